"""Data: built-in datasets, uploads, splits and augmentation -> LabDataset."""

from pathlib import Path

import numpy as np
import torch

from lepton_core.data.builtin import DATASETS, RawImages
from lepton_core.data.dataset import SPLITS, LabDataset
from lepton_core.data.report import DataReport
from lepton_core.data.splits import stratified_split
from lepton_core.errors import LabInputError
from lepton_core.home import lepton_home

SPLIT_OPTIONS = ("val", "test", "split_seed")

__all__ = ["DATASETS", "DataReport", "LabDataset", "check_source", "list_datasets", "load_dataset"]


def list_datasets() -> list[dict]:
    """Built-in datasets with their task and description."""
    return [
        {"name": d.name, "task": d.task, "description": d.description}
        for d in (DATASETS.get(n) for n in DATASETS.names())
    ]


def load_dataset(name_or_path: str | Path, **options) -> LabDataset:
    """Load a built-in dataset by name, or a folder/zip of class folders, split and ready."""
    split_opts = {k: options.pop(k) for k in SPLIT_OPTIONS if k in options}
    source = str(name_or_path)
    if source in DATASETS:
        raw = _load_builtin(source, options)
    elif Path(source).exists():
        raw = _load_upload(Path(source), options)
    else:
        known = ", ".join(DATASETS.names())
        raise LabInputError(
            f"no dataset named {source!r} and no such file or folder (built-ins: {known})"
        )
    return _split(source, raw, dict(options, **split_opts), **split_opts)


def check_source(source: str) -> None:
    """Cheap check before a run is stored: a built-in name, a folder, or a real zip file."""
    import zipfile

    path = Path(source)
    if source in DATASETS or path.is_dir():
        return
    if not path.exists():
        known = ", ".join(DATASETS.names())
        raise LabInputError(
            f"no dataset named {source!r} and no such file or folder (built-ins: {known})"
        )
    if not zipfile.is_zipfile(path):
        raise LabInputError(f"{path.name} is not a zip archive of class folders")


def _load_builtin(name: str, options: dict) -> RawImages:
    entry = DATASETS.get(name)
    try:
        return entry.load(**options)
    except TypeError as e:
        raise LabInputError(f"bad option for dataset {name!r}: {e}") from None


def _load_upload(path: Path, options: dict) -> RawImages:
    from lepton_core.data.folder import load_image_source

    unknown = set(options) - {"image_size"}
    if unknown:
        raise LabInputError(f"unknown option(s) for an image upload: {', '.join(sorted(unknown))}")
    images, labels, classes, report = load_image_source(
        path, work_dir=lepton_home() / "uploads", image_size=options.get("image_size")
    )
    return RawImages(images.astype(np.float32) / 255.0, labels, classes, report)


def _split(
    source: str, raw: RawImages, options: dict, val=0.15, test=0.15, split_seed=0
) -> LabDataset:
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
    return LabDataset(source, "image-classification", raw.classes, x, y, raw.report, options, masks)
