"""LabDataset: the one object every task's data arrives as."""

from dataclasses import dataclass, field
from typing import Any

import torch

from lepton_core.data.report import DataReport

SPLITS = ("train", "val", "test")


@dataclass
class LabDataset:
    """Split tensors plus what a model and a page need to know about them.

    Images are float32 (N, C, H, W) in [0, 1]; labels int64 (N,). Tables: x (N, F) float32,
    y int64 (N,) for classification or float32 (N, 1) standardised for regression. Forecasting:
    x (N, lookback, F), y (N, horizon), both scaled on the train span.
    `mean`/`std` are per-channel statistics of the train split (the model normalises).
    """

    source: str
    task: str
    classes: list[str]
    x: dict[str, torch.Tensor]
    y: dict[str, torch.Tensor]
    report: DataReport
    options: dict = field(default_factory=dict)
    masks: dict[str, torch.Tensor] | None = None  # object masks (N, H, W) where known
    meta: dict = field(default_factory=dict)  # JSON-ready, task-specific: features, preprocessing
    extra: Any = None  # in-memory helper of the task (TabularData, ForecastData), never saved

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input, e.g. (1, 28, 28)."""
        return tuple(self.x["train"].shape[1:])

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression and forecasting)."""
        return len(self.classes)

    @property
    def n_outputs(self) -> int:
        """Model outputs: classes, 1 for regression, the horizon for forecasting."""
        return self.n_classes or int(self.y["train"].shape[-1])

    @property
    def is_image(self) -> bool:
        """Image data (normalised per channel inside the model)."""
        return self.task.startswith("image")

    def channel_stats(self) -> tuple[list[float], list[float]]:
        """Per-channel mean and std of the train split (images only; else empty)."""
        if not self.is_image:
            return [], []
        x = self.x["train"]
        mean = x.mean(dim=(0, 2, 3))
        std = x.std(dim=(0, 2, 3)).clamp_min(1e-3)
        return mean.tolist(), std.tolist()

    def sizes(self) -> dict[str, int]:
        """Examples per split."""
        return {s: len(self.y[s]) for s in SPLITS}
