"""Unsplit images (RawImages) -> a stratified, seeded LabDataset."""

import numpy as np
import torch

from lepton_core.data.dataset import SPLITS, LabDataset
from lepton_core.data.splits import stratified_split


def split_images(source: str, raw, options: dict, val=0.15, test=0.15, split_seed=0) -> LabDataset:
    """Stratified train/val/test split of RawImages, as float tensors."""
    idx = stratified_split(raw.y, val=val, test=test, seed=split_seed)
    x = {s: torch.from_numpy(np.ascontiguousarray(raw.x[idx[s]])) for s in SPLITS}
    y = {s: torch.from_numpy(raw.y[idx[s]]) for s in SPLITS}
    masks = None
    if raw.masks is not None:
        masks = {s: torch.from_numpy(raw.masks[idx[s]]) for s in SPLITS}
    raw.report.notes.append(
        "split "
        + ", ".join(f"{s} {len(idx[s])}" for s in SPLITS)
        + f" (stratified, seed {split_seed})"
    )
    options = dict(options, val=val, test=test, split_seed=split_seed)
    return LabDataset(source, "image-classification", raw.classes, x, y, raw.report, options, masks)
