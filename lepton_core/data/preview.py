"""Arrays for the Data page: sample galleries and augmentation previews (HWC uint8)."""

import numpy as np
import torch

from lepton_core.config import AugmentSpec
from lepton_core.data.augment import build_augment
from lepton_core.data.dataset import LabDataset


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """(C, H, W) float [0, 1] -> (H, W) or (H, W, 3) uint8 for display."""
    arr = (image.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    return arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)


def class_gallery(ds: LabDataset, per_class: int = 6, split: str = "train") -> dict[str, list]:
    """Up to `per_class` images of each class."""
    y = ds.y[split]
    return {
        c: [to_uint8(ds.x[split][i]) for i in torch.nonzero(y == k).flatten()[:per_class].tolist()]
        for k, c in enumerate(ds.classes)
    }


def augment_preview(ds: LabDataset, spec: AugmentSpec, n: int = 6, seed: int = 0) -> list[list]:
    """Rows of [original, augmented x (n-1)] for a few train images."""
    transform = build_augment(spec, ds.input_shape[0])
    gen = torch.Generator().manual_seed(seed)
    picks = torch.randperm(len(ds.y["train"]), generator=gen)[:4].tolist()
    torch.manual_seed(seed)
    rows = []
    for i in picks:
        img = ds.x["train"][i]
        variants = [transform(img) if transform else img for _ in range(n - 1)]
        rows.append([to_uint8(img)] + [to_uint8(v) for v in variants])
    return rows
