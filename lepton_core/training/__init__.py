"""Training: the Trainer and its callbacks."""

from lepton_core.training.callbacks import BestCheckpoint, Callback, Cancel, EarlyStopping, Progress
from lepton_core.training.trainer import Trainer, predict_logits, seed_everything

__all__ = [
    "BestCheckpoint",
    "Callback",
    "Cancel",
    "EarlyStopping",
    "Progress",
    "Trainer",
    "predict_logits",
    "seed_everything",
]
