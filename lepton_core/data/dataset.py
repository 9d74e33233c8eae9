"""LabDataset: the one object every task's data arrives as."""

from dataclasses import dataclass, field

import torch

from lepton_core.data.report import DataReport

SPLITS = ("train", "val", "test")


@dataclass
class LabDataset:
    """Split tensors plus what a model and a page need to know about them.

    Images are float32 (N, C, H, W) in [0, 1]; labels int64 (N,).
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

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input, e.g. (1, 28, 28)."""
        return tuple(self.x["train"].shape[1:])

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.classes)

    def channel_stats(self) -> tuple[list[float], list[float]]:
        """Per-channel mean and std of the train split."""
        x = self.x["train"]
        mean = x.mean(dim=(0, 2, 3))
        std = x.std(dim=(0, 2, 3)).clamp_min(1e-3)
        return mean.tolist(), std.tolist()

    def sizes(self) -> dict[str, int]:
        """Examples per split."""
        return {s: len(self.y[s]) for s in SPLITS}
