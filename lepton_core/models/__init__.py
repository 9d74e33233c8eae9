"""Model registry; importing this package registers every family."""

from lepton_core.models import cnn, mlp, rnn, transfer, vae  # noqa: F401  (registers the families)
from lepton_core.models.lab_model import (
    LabModel,
    build_lab_model,
    load_lab_model,
    model_for,
    save_lab_model,
)
from lepton_core.models.registry import MODELS, get_model, list_models, register_model
from lepton_core.models.summary import count_parameters, model_summary

__all__ = [
    "MODELS",
    "LabModel",
    "build_lab_model",
    "count_parameters",
    "get_model",
    "list_models",
    "load_lab_model",
    "model_for",
    "model_summary",
    "register_model",
    "save_lab_model",
]
