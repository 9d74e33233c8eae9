"""Predictions on raw inputs (image files, rows of a table, a recent series), as the app makes them.

This is the reference the exports are checked against: a bundle's predict.py must give the same
answers from the same raw inputs, using only the run's preprocessing.json.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image

from lepton_core.data.images import decode_image, flatten, to_array
from lepton_core.errors import LabInputError

PRESHRINK = 4  # uploads are first shrunk to 4x the size (data/folder.py: 4x the cap when auto)
DATE_SHARE = 0.9  # a series column is the time column when this share of it parses as dates


@dataclass
class Prediction:
    """What the model said about a batch of raw inputs."""

    inputs: torch.Tensor  # the batch the model saw
    outputs: np.ndarray  # raw outputs (N, K)
    classes: list[str]
    probs: np.ndarray | None = None  # classifiers: softmax (N, K)
    labels: list[str] | None = None  # classifiers: predicted class names
    values: np.ndarray | None = None  # regression (N,), forecasting (N, horizon), in data units


class Predictor:
    """A run's model plus its preprocessing; `predict(raw)` for images, rows or a series."""

    def __init__(self, model: torch.nn.Module, meta: dict, preprocessing: dict) -> None:
        self.model, self.meta, self.preprocessing = model.eval(), meta, preprocessing
        task = meta["task"]
        if task == "image-generation":
            raise LabInputError("a VAE generates images: try it on the Generate page")
        self.kind = "image" if task.startswith("image") else (
            "series" if task == "forecasting" else "table"
        )  # fmt: skip

    @classmethod
    def from_run(cls, run) -> "Predictor":
        """Load the run's best checkpoint and its saved preprocessing."""
        model = run.model()  # its meta is the run's model.json, already read
        meta = model.meta
        path = run.folder / "preprocessing.json"
        pre = json.loads(path.read_text()) if path.exists() else {}
        if meta["task"].startswith("image"):
            data = run.config.data
            pre = {"preshrink": preshrink_size(data.source, data.options, meta["input_shape"][-1])}
        return cls(model, meta, pre)

    def inputs(self, raw) -> torch.Tensor:
        """The model's input batch for raw inputs of this run's kind."""
        if self.kind == "image":
            items = raw if isinstance(raw, list | tuple) else [raw]
            shape, keep = self.meta["input_shape"], self.preprocessing.get("preshrink")
            return torch.stack([image_input(item, shape, keep) for item in items])
        if not isinstance(raw, pd.DataFrame):
            raise LabInputError("expected a table of rows")
        if self.kind == "table":
            return torch.from_numpy(table_input(raw, self.preprocessing))
        return torch.from_numpy(series_input(raw, self.preprocessing))[None]

    def predict(self, raw) -> Prediction:
        """Outputs, and class probabilities or values in the data's units."""
        x = self.inputs(raw)
        with torch.no_grad():
            out = self.model(x).numpy()
        p = Prediction(x, out, list(self.meta["classes"]))
        if p.classes:
            p.probs = softmax(out)
            p.labels = [p.classes[i] for i in out.argmax(1)]
        elif self.kind == "table":
            pre = self.preprocessing["preprocessing"]
            p.values = out[:, 0] * pre["target_std"] + pre["target_mean"]
        else:
            s = self.preprocessing["scaler"][self.preprocessing["target"]]
            p.values = out * s["std"] + s["mean"]
        return p


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed stably."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def preshrink_size(source: str, options: dict, size: int) -> int:
    """The side a run's image files were first shrunk to (data/folder.py), before the resize."""
    from lepton_core.data import DATASETS
    from lepton_core.data.archive import IngestLimits

    if source in DATASETS:  # built-in images are arrays: no file was read, take 4x the size
        return PRESHRINK * size
    return PRESHRINK * (options.get("image_size") or IngestLimits().max_image_size)


def image_input(item, input_shape: list[int], preshrink: int | None = None) -> torch.Tensor:
    """One image file (bytes, path or PIL image) as the model's (C, H, W) float input in [0, 1].

    `preshrink`: the side the training files were first shrunk to (default 4x the model's size).
    """
    channels, size = input_shape[0], input_shape[-1]
    if isinstance(item, Image.Image):
        img = item.copy()
    else:
        img = decode_image(item if isinstance(item, bytes) else Path(item))
    w, h = img.size
    keep = preshrink or PRESHRINK * size
    small = flatten(img).resize((min(w, keep), min(h, keep)), Image.Resampling.LANCZOS)
    a = to_array(small, size, gray=channels == 1)  # (H, W, C) uint8
    return torch.from_numpy(a.transpose(2, 0, 1).astype(np.float32) / 255.0)


def table_input(df: pd.DataFrame, preprocessing: dict) -> np.ndarray:
    """Rows with the original columns, encoded as training did: (N, F) float32."""
    from lepton_core.data.tabular_preprocessor import TabularPreprocessor

    if df.empty:
        raise LabInputError("no rows to predict")
    return TabularPreprocessor.from_dict(preprocessing["preprocessing"]).transform(df)


def series_input(df: pd.DataFrame, preprocessing: dict) -> np.ndarray:
    """The last `lookback` rows of the features, time-ordered and scaled: (lookback, F) float32."""
    features, lookback = preprocessing["features"], preprocessing["lookback"]
    df = df.rename(columns=str)
    absent = [f for f in features if f not in df.columns]
    if absent:
        raise LabInputError(f"the series lacks column(s) the model was trained with: {absent}")
    time_col = find_time_column(df.drop(columns=features))
    if time_col is not None:
        times = pd.to_datetime(df[time_col], errors="coerce", utc=True, format="mixed")
        df = df.assign(_t=times).dropna(subset=["_t"]).sort_values("_t", kind="stable")
    values = df[features].apply(pd.to_numeric, errors="coerce").ffill()
    if len(values) < lookback:
        raise LabInputError(f"the model needs the last {lookback} rows; got {len(values)}")
    window = values.tail(lookback).to_numpy(dtype=np.float64)
    if np.isnan(window).any():
        raise LabInputError("the last rows have missing values that cannot be filled forward")
    mean = np.array([preprocessing["scaler"][f]["mean"] for f in features])
    std = np.array([preprocessing["scaler"][f]["std"] for f in features])
    return ((window - mean) / std).astype(np.float32)


def find_time_column(df: pd.DataFrame) -> str | None:
    """The first column whose values (nearly) all parse as dates, or None."""
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]):
            continue
        times = pd.to_datetime(df[col], errors="coerce", utc=True, format="mixed")
        if len(df) and times.notna().mean() >= DATE_SHARE:
            return col
    return None
