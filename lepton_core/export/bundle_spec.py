"""preprocessing.json of a bundle: what predict.py needs to prepare raw inputs as the app does.

Images: size, resize, channel order, scaling (mean/std live inside model.onnx); tables: the feature
columns with their encoders (the run's TabularPreprocessor state); series: window, features,
target and scaler. Tables and series also carry the CSV format the training file was read with.
"""

import json

from lepton_core.data.images import FORMATS, decode_image
from lepton_core.predict import preshrink_size

KINDS = {"forecasting": "series", "tabular-classification": "table", "tabular-regression": "table"}
CSV_DEFAULTS = {"encoding": "utf-8-sig", "delimiter": ",", "decimal": "."}
USAGE = {
    "image": "image files (PNG, JPEG, BMP, GIF or WebP)",
    "table": "CSV files of rows with the original columns (the target column may be absent)",
    "series": "CSV files, each with the latest rows of the series (a time column and the features)",
}


def bundle_kind(task: str) -> str:
    """image, table or series."""
    return "image" if task.startswith("image") else KINDS[task]


def preprocessing_spec(run) -> dict:
    """The JSON-ready preprocessing of a run's inputs, for predict.py and for people."""
    meta = json.loads((run.folder / "model.json").read_text())
    kind = bundle_kind(meta["task"])
    spec = {
        "format_version": 1,
        "title": f"Lepton Lab run {run.id} ({meta['model']}, {meta['task']})",
        "run_id": run.id,
        "task": meta["task"],
        "model": meta["model"],
        "kind": kind,
        "usage": USAGE[kind],
        "classes": list(meta["classes"]),
        "onnx_input": {"name": "input", "shape": ["batch", *meta["input_shape"]]},
    }
    if kind == "image":
        return spec | {"image": _image(run, meta)}
    saved = json.loads((run.folder / "preprocessing.json").read_text())
    options = run.dataset.options
    spec["csv"] = {k: options.get(k) or v for k, v in CSV_DEFAULTS.items()}
    if kind == "series":
        keys = ("lookback", "horizon", "features", "target", "scaler", "split_times")
        series = {k: saved[k] for k in keys}
        series["time_column"] = "the first text column that reads as dates; rows sorted by it"
        series["gaps"] = "missing values are filled forward from the row before"
        return spec | {"series": series}
    keys = ("target", "features", "groups", "preprocessing")
    return spec | {"table": {k: saved[k] for k in keys}}


def _image(run, meta: dict) -> dict:
    channels, size = meta["input_shape"][0], meta["input_shape"][-1]
    data = run.config.data
    return {
        "size": size,
        "channels": channels,
        "channel_order": "L (gray)" if channels == 1 else "RGB",
        "formats": FORMATS,
        "max_pixels": decode_image.__kwdefaults__["max_pixels"],
        "decode": "first frame; EXIF orientation applied; transparency composited on white; "
        "16-bit gray scaled to 8 bits",
        "preshrink": preshrink_size(data.source, data.options, size),
        "resize": "each side first capped at `preshrink` (Lanczos), then the whole image "
        "stretched to size x size (Lanczos, reducing_gap 3): never cropped",
        "scaling": "pixel / 255 as float32 in [0, 1], layout (batch, channels, height, width)",
        "normalization": "done inside model.onnx: (x - mean) / std per channel",
        "mean": meta["mean"],
        "std": meta["std"],
    }
