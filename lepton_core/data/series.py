"""Time series -> LabDataset: windows of lookback steps predicting the next horizon steps."""

import numpy as np
import pandas as pd
import torch

from lepton_core.data.dataset import SPLITS, LabDataset
from lepton_core.errors import LabInputError


def forecast_dataset(
    source: str,
    frame: pd.DataFrame,
    target: str | None = None,
    lookback: int = 24,
    horizon: int = 1,
    val: float = 0.15,
    test: float = 0.15,
    season_length: int | None = None,
    features: list[str] | None = None,
) -> LabDataset:
    """Chronological windows, scaled on the train span, as tensors."""
    from lepton_core.data.timeseries import make_windows

    if not target:
        if len(frame.columns) != 1:
            cols = ", ".join(map(str, frame.columns))
            raise LabInputError(f"choose the column to forecast (--target); columns: {cols}")
        target = str(frame.columns[0])
    if not (1 <= int(lookback) <= 1000 and 1 <= int(horizon) <= 365):
        raise LabInputError(f"lookback must be 1-1000 and horizon 1-365, got {lookback}, {horizon}")
    fd = make_windows(
        frame, target, int(lookback), int(horizon), val=val, test=test,
        season_length=season_length, features=features,
    )  # fmt: skip
    x = {s: torch.from_numpy(np.ascontiguousarray(fd.x[s], dtype=np.float32)) for s in SPLITS}
    y = {s: torch.from_numpy(np.ascontiguousarray(fd.y[s], dtype=np.float32)) for s in SPLITS}
    options = {
        "target": target, "lookback": int(lookback), "horizon": int(horizon), "val": val,
        "test": test, "season_length": season_length, "features": features,
    }  # fmt: skip
    meta = {"kind": "forecasting", **fd.to_dict()}
    fd.report.shape = tuple(x["train"].shape[1:])
    return LabDataset(source, "forecasting", [], x, y, fd.report, options, meta=meta, extra=fd)


def builtin_series(name: str, lookback: int):
    """A loader for a built-in series (lepton_core.data.timeseries.SERIES) with its defaults."""

    def load(source: str, **options) -> LabDataset:
        from lepton_core.data.timeseries import SERIES, load_series

        entry = SERIES.get(name)
        frame, report = load_series(name)
        defaults = {"target": entry.target, "lookback": lookback, "horizon": 1,
                    "season_length": entry.season_length}  # fmt: skip
        try:
            ds = forecast_dataset(source, frame, **(defaults | options))
        except TypeError as e:
            raise LabInputError(f"bad option for dataset {name!r}: {e}") from None
        ds.report.notes[:0] = report.notes
        return ds

    return load
