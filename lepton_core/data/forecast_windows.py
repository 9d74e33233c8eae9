"""Forecast windows: a series cut into (lookback -> horizon) samples and split along time."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from lepton_core.data.report import DataReport
from lepton_core.errors import LabInputError
from lepton_core.metrics.forecast import forecast_metrics

SPLITS = ("train", "val", "test")
MAX_FILL = 3  # rows: shorter holes are carried forward, windows touching longer ones are dropped


@dataclass
class ForecastData:
    """Windows per split, scaled with train-span statistics, plus what is needed to undo that."""

    x: dict[str, np.ndarray]  # split -> (N, lookback, F) float32, scaled
    y: dict[str, np.ndarray]  # split -> (N, horizon) float32, scaled target
    features: list[str]
    target: str
    target_index: int
    lookback: int
    horizon: int
    scaler: dict[str, dict[str, float]]  # feature -> {"mean", "std"} of the train span
    times: dict[str, list[str]]  # split -> ISO time of each window's first forecast step
    series: pd.DataFrame
    split_times: dict[str, dict[str, str]]  # split -> {"start", "end"} of its time span
    report: DataReport
    season_length: int | None = None
    task: str = "forecasting"

    def unscale_target(self, arr: np.ndarray) -> np.ndarray:
        """Scaled target values back to the series' own units."""
        s = self.scaler[self.target]
        return np.asarray(arr, dtype=np.float64) * s["std"] + s["mean"]

    def naive_forecast(self, split: str) -> np.ndarray:
        """Last observed target value repeated over the horizon, scaled: (N, horizon)."""
        last = self.x[split][:, -1, self.target_index]  # (N,)
        return np.repeat(last[:, None], self.horizon, axis=1)

    @property
    def seasonal_naive_issue(self) -> str | None:
        """Why the seasonal-naive forecast is unavailable, or None when it is available."""
        if self.season_length is None:
            return "no season length was set"
        if self.lookback < self.season_length:
            return (
                f"the seasonal-naive forecast needs a lookback of at least one season "
                f"({self.season_length} steps), but the lookback is {self.lookback}"
            )
        return None

    def seasonal_naive_forecast(self, split: str) -> np.ndarray | None:
        """Each step's value one season earlier (latest observed), scaled: (N, horizon)."""
        if self.seasonal_naive_issue is not None:
            return None
        m = self.season_length
        positions = [self.lookback + h % m - m for h in range(self.horizon)]
        return self.x[split][:, positions, self.target_index]

    def baseline_metrics(self, split: str = "test") -> dict[str, dict[str, float]]:
        """MAE, RMSE and sMAPE of the naive (and seasonal-naive) forecasts, in original units."""
        truth = self.unscale_target(self.y[split])
        out = {"naive": forecast_metrics(truth, self.unscale_target(self.naive_forecast(split)))}
        seasonal = self.seasonal_naive_forecast(split)
        if seasonal is not None:
            out["seasonal_naive"] = forecast_metrics(truth, self.unscale_target(seasonal))
        return out

    def to_dict(self) -> dict:
        """The preprocessing, JSON-ready, to be saved with a run."""
        return {
            "task": self.task,
            "lookback": self.lookback,
            "horizon": self.horizon,
            "features": list(self.features),
            "target": self.target,
            "target_index": self.target_index,
            "scaler": self.scaler,
            "season_length": self.season_length,
            "split_times": self.split_times,
            "windows": {s: len(self.y[s]) for s in SPLITS},
        }


def make_windows(
    frame: pd.DataFrame,
    target: str,
    lookback: int = 24,
    horizon: int = 1,
    *,
    val: float = 0.15,
    test: float = 0.15,
    season_length: int | None = None,
    features: list[str] | None = None,
    report: DataReport | None = None,
) -> ForecastData:
    """Cut a time-indexed frame into windows, split train/val/test along time, scale on train."""
    report = report or DataReport(source="series", task="forecasting")
    report.task = "forecasting"
    _check_options(lookback, horizon, val, test, season_length)
    features = _choose_features(frame, target, features, report)
    values = _fill_small_holes(frame[features].astype(np.float64), report)
    rows = len(values)
    need = rows_needed(lookback, horizon, val, test)
    if rows < need:
        raise LabInputError(
            f"the series has {rows} rows, but a lookback of {lookback} and a horizon of "
            f"{horizon} with {val:.0%} validation and {test:.0%} test need at least {need} rows; "
            "shorten the lookback or horizon, or use a longer series"
        )
    a, b = _span_bounds(rows, val, test)
    bounds = {"train": (0, a), "val": (a, b), "test": (b, rows)}
    mean, std = values.iloc[:a].mean(), values.iloc[:a].std(ddof=0)
    std = std.where(std > 0, 1.0).fillna(1.0)
    scaled = ((values - mean) / std).to_numpy(np.float32)  # (rows, F)
    ti = features.index(target)
    x, y, times = _cut(scaled, values.index, lookback, horizon, bounds, ti, report)
    for split in SPLITS:
        if len(y[split]) == 0 and (split != "val" or val > 0):
            raise LabInputError(
                f"no complete windows in the {split} span (too many missing values)"
            )
    iso = np.datetime_as_string(values.index.values, unit="s")
    split_times = {
        s: {"start": str(iso[lo]), "end": str(iso[hi - 1])}
        for s, (lo, hi) in bounds.items()
        if hi > lo
    }
    data = ForecastData(
        x=x,
        y=y,
        features=features,
        target=target,
        target_index=ti,
        lookback=lookback,
        horizon=horizon,
        scaler={f: {"mean": float(mean[f]), "std": float(std[f])} for f in features},
        times=times,
        series=frame,
        split_times=split_times,
        report=report,
        season_length=season_length,
    )
    _note_split(data)
    return data


def rows_needed(lookback: int, horizon: int, val: float, test: float) -> int:
    """The fewest rows that give every split at least one window."""
    rows = lookback + horizon
    while True:
        a, b = _span_bounds(rows, val, test)
        counts = [a - lookback - horizon + 1, rows - b - horizon + 1]
        if val > 0:
            counts.append(b - a - horizon + 1)
        if min(counts) >= 1:
            return rows
        rows += 1


def _cut(
    scaled: np.ndarray,
    index: pd.DatetimeIndex,
    lookback: int,
    horizon: int,
    bounds: dict[str, tuple[int, int]],
    ti: int,
    report: DataReport,
) -> tuple[dict, dict, dict]:
    """Windows whose targets all lie in a split's rows, skipping windows that touch a hole."""
    span = lookback + horizon
    win = sliding_window_view(scaled, span, axis=0).transpose(0, 2, 1)  # (W, L+H, F)
    holes = np.concatenate([[0], np.cumsum(np.isnan(scaled).any(axis=1))])
    complete = holes[span:] - holes[:-span] == 0  # (W,)
    first = np.arange(len(win)) + lookback  # row of each window's first target
    x, y, times = {}, {}, {}
    for split, (lo, hi) in bounds.items():
        sel = (first >= lo) & (first + horizon <= hi) & complete
        x[split] = np.ascontiguousarray(win[sel, :lookback])
        y[split] = np.ascontiguousarray(win[sel, lookback:, ti])
        times[split] = [str(t) for t in np.datetime_as_string(index.values[first[sel]], unit="s")]
    if not complete.all():
        report.notes.append(f"{int((~complete).sum())} windows touching longer holes dropped")
    return x, y, times


def _span_bounds(rows: int, val: float, test: float) -> tuple[int, int]:
    return int(round(rows * (1 - val - test))), int(round(rows * (1 - test)))


def _check_options(
    lookback: int, horizon: int, val: float, test: float, season_length: int | None
) -> None:
    for name, v in (("lookback", lookback), ("horizon", horizon), ("season length", season_length)):
        if v is not None and (not isinstance(v, int | np.integer) or v < 1):
            raise LabInputError(f"the {name} must be a whole number of steps, at least 1 (got {v})")
    if not (0 <= val < 1 and 0 < test < 1 and val + test < 1):
        raise LabInputError(
            f"validation and test fractions must be in [0, 1) with test > 0 and a sum below 1 "
            f"(got val {val}, test {test})"
        )


def _choose_features(
    frame: pd.DataFrame, target: str, features: list[str] | None, report: DataReport
) -> list[str]:
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise LabInputError("the series needs a date/time index; read it with parse_series_frame")
    if not (frame.index.is_monotonic_increasing and frame.index.is_unique):
        raise LabInputError("the series must be in time order without repeated timestamps")
    columns = [str(c) for c in frame.columns]
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if target not in frame.columns:
        raise LabInputError(f"target {target!r} is not a column; columns: {', '.join(columns)}")
    if target not in numeric:
        raise LabInputError(
            f"target {target!r} is not numeric; numeric columns: {', '.join(map(str, numeric))}"
        )
    if features is None:
        return numeric
    unknown = [f for f in features if f not in frame.columns]
    if unknown:
        raise LabInputError(
            f"unknown feature(s) {', '.join(map(repr, unknown))}; columns: {', '.join(columns)}"
        )
    text = [f for f in features if f not in numeric]
    if text:
        raise LabInputError(f"feature(s) {', '.join(map(repr, text))} are not numeric")
    features = list(dict.fromkeys(features))
    if target not in features:
        features.insert(0, target)
        report.notes.append(f"target {target!r} added to the input features")
    return features


def _fill_small_holes(values: pd.DataFrame, report: DataReport) -> pd.DataFrame:
    out = values.copy()
    for col in values.columns:
        s = values[col]
        missing = s.isna()
        if not missing.any():
            continue
        run_len = missing.groupby((~missing).cumsum()).transform("sum")
        fill = missing & (run_len <= MAX_FILL) & s.ffill().notna()
        out[col] = s.where(~fill, s.ffill())
        if fill.any():
            report.notes.append(
                f"{int(fill.sum())} missing values in {col!r} filled with the last value "
                f"(holes of up to {MAX_FILL} rows)"
            )
    return out


def _note_split(data: ForecastData) -> None:
    parts = [
        f"{s} {t['start']} to {t['end']} ({len(data.y[s])} windows)"
        for s, t in data.split_times.items()
    ]
    data.report.notes.append("split along time: " + "; ".join(parts))
    data.report.notes.append("features scaled with the mean and std of the train span only")
    if data.season_length is not None and data.seasonal_naive_issue:
        data.report.notes.append(data.seasonal_naive_issue + "; that baseline is skipped")
    data.report.counts.update({f"{s}_windows": len(data.y[s]) for s in SPLITS})
    total = sum(len(v) for v in data.y.values())
    data.report.shape = (total, data.lookback, len(data.features))
