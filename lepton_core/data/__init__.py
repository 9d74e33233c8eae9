"""Data: built-in datasets, uploads (images, CSV tables, CSV series), splits -> LabDataset."""

import zipfile
from pathlib import Path

import numpy as np

from lepton_core.data.builtin import DATASETS, RawImages
from lepton_core.data.dataset import LabDataset
from lepton_core.data.report import DataReport
from lepton_core.errors import LabInputError
from lepton_core.home import lepton_home

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
CSV_FORMAT_OPTIONS = ("encoding", "delimiter", "decimal")

__all__ = ["DATASETS", "DataReport", "LabDataset", "check_source", "list_datasets", "load_dataset"]


def list_datasets() -> list[dict]:
    """Built-in datasets with their task and description."""
    return [
        {"name": d.name, "task": d.task, "description": d.description}
        for d in (DATASETS.get(n) for n in DATASETS.names())
    ]


def load_dataset(name_or_path: str | Path, **options) -> LabDataset:
    """A built-in by name, a folder/zip of class folders, or a CSV (table or time series)."""
    source = str(name_or_path)
    check_source(source)
    if source in DATASETS:
        return DATASETS.get(source).load(source, **options)
    path = Path(source)
    if path.suffix.lower() in CSV_SUFFIXES:
        return _load_csv(path, options)
    return _load_images(path, options)


def check_source(source: str) -> None:
    """Cheap check before a run is stored: a built-in, a folder, a zip file or a CSV file."""
    path = Path(source)
    if source in DATASETS or path.is_dir():
        return
    if not path.exists():
        known = ", ".join(DATASETS.names())
        raise LabInputError(
            f"no dataset named {source!r} and no such file or folder (built-ins: {known})"
        )
    if path.suffix.lower() not in CSV_SUFFIXES and not zipfile.is_zipfile(path):
        raise LabInputError(f"{path.name} is not a zip archive of class folders, nor a CSV file")


def guess_task(source: str, options: dict) -> str:
    """The task before loading: a built-in's, a CSV's chosen one, else images ("tabular" for a
    CSV whose task is inferred from its target when it loads)."""
    if source in DATASETS:
        return DATASETS.get(source).task
    if Path(source).suffix.lower() in CSV_SUFFIXES:
        return options.get("task", "tabular")
    return "image-classification"


def _load_images(path: Path, options: dict) -> LabDataset:
    from lepton_core.data.folder import load_image_source
    from lepton_core.data.images_split import split_images

    split = {k: options.pop(k) for k in ("val", "test", "split_seed") if k in options}
    unknown = set(options) - {"image_size"}
    if unknown:
        raise LabInputError(f"unknown option(s) for an image upload: {', '.join(sorted(unknown))}")
    # a workspace's upload is unpacked beside it (so removing the workspace removes both)
    beside = path.is_file() and path.parent.name == "uploads"
    work_dir = path.parent if beside else lepton_home() / "uploads"
    images, labels, classes, report = load_image_source(
        path, work_dir=work_dir, image_size=options.get("image_size")
    )
    raw = RawImages(images.astype(np.float32) / 255.0, labels, classes, report)
    return split_images(str(path), raw, options, **split)


def _load_csv(path: Path, options: dict) -> LabDataset:
    from lepton_core.data.csv_reader import CsvFormat, read_csv, sniff_csv

    options = dict(options)
    data = path.read_bytes()
    fmt_opts = {k: options.pop(k) for k in CSV_FORMAT_OPTIONS if options.get(k)}
    fmt = CsvFormat(**(sniff_csv(data).to_dict() | fmt_opts)) if fmt_opts else None
    df, fmt = read_csv(data, fmt)
    try:
        if options.get("task") == "forecasting":
            from lepton_core.data.series import forecast_dataset
            from lepton_core.data.timeseries import parse_series_frame

            options.pop("task")
            date_column = options.pop("date_column", None)
            frame = parse_series_frame(df, date_column)
            ds = forecast_dataset(str(path), frame, **options)
            ds.options |= {"task": "forecasting", "date_column": date_column}
        else:
            from lepton_core.data.tables import tabular_dataset

            ds = tabular_dataset(str(path), df, **options)
    except TypeError as e:
        raise LabInputError(f"bad option for a CSV file: {e}") from None
    ds.options |= {k: v for k, v in fmt.to_dict().items()}
    ds.report.notes.insert(
        0, f"read as {fmt.encoding}, delimiter {fmt.delimiter!r}, decimal {fmt.decimal!r}"
    )
    return ds
