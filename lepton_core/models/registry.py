"""The model registry: `@register_model("name")`, `get_model(name, ...)`, `list_models()`."""

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from lepton_core.errors import LabInputError
from lepton_core.registry import Registry


@dataclass
class ModelEntry:
    """A builder `(input_shape, n_outputs, **options) -> nn.Module` and what it is for."""

    name: str
    builder: Callable[..., nn.Module]
    tasks: tuple[str, ...]
    description: str
    train_defaults: dict  # TrainSpec fields this family trains best with, unless the user sets them


MODELS: Registry[ModelEntry] = Registry("model")


def register_model(
    name: str, tasks: tuple[str, ...], description: str, train_defaults: dict | None = None
) -> Callable:
    """Decorator registering a builder under `name`."""

    def add(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        entry = ModelEntry(name, builder, tasks, description, dict(train_defaults or {}))
        MODELS.register(name)(entry)
        return builder

    return add


def get_model(name: str, input_shape: tuple[int, ...], n_outputs: int, **options) -> nn.Module:
    """Build a registered model for this input shape and number of outputs."""
    entry = MODELS.get(name)
    try:
        return entry.builder(input_shape, n_outputs, **options)
    except TypeError as e:
        raise LabInputError(f"bad option for model {name!r}: {e}") from None


def list_models(task: str | None = None) -> list[str]:
    """Registered model names, optionally only those for `task`."""
    return [n for n in MODELS.names() if task is None or task in MODELS.get(n).tasks]
