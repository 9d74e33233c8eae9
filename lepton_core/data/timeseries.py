"""Time series for forecasting: built-in series, reading uploads, and cutting windows."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lepton_core.data.forecast_windows import ForecastData, make_windows, rows_needed
from lepton_core.data.report import DataReport
from lepton_core.data.series_parse import note_gaps, parse_series_frame
from lepton_core.errors import LabInputError
from lepton_core.registry import Registry

__all__ = [
    "SERIES",
    "BuiltinSeries",
    "ForecastData",
    "load_goog",
    "load_series",
    "load_stocks",
    "make_seasonal",
    "make_windows",
    "parse_series_frame",
    "rows_needed",
]

STOCKS = ["GOOG", "AAPL", "AMZN", "FB", "NFLX", "MSFT"]


def load_stocks() -> pd.DataFrame:
    """Weekly prices of six tech stocks, 2018-2019, each relative to its first week (plotly)."""
    import plotly.data

    df = plotly.data.stocks()
    index = pd.DatetimeIndex(pd.to_datetime(df["date"]), name="date")
    return pd.DataFrame(df[STOCKS].to_numpy(np.float64), index=index, columns=STOCKS)


def load_goog() -> pd.DataFrame:
    """Google's daily trading prices and volume, Aug 2004 - Oct 2008 (matplotlib's sample data)."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "goog.npz"
    with np.load(path) as npz:
        rows = npz["price_data"]
    index = pd.DatetimeIndex(rows["date"], name="date")
    columns = ["open", "high", "low", "close", "volume"]
    return pd.DataFrame({c: rows[c].astype(np.float64) for c in columns}, index=index)


def make_seasonal(n: int = 24 * 7 * 8, seed: int = 0) -> pd.DataFrame:
    """Hourly "value": rising trend + daily and weekly cycles + white noise (std 0.5), seeded."""
    if n < 1:
        raise LabInputError(f"the seasonal series needs at least one hour (got n={n})")
    t = np.arange(n, dtype=np.float64)
    trend = 10 + 3 * t / (24 * 7 * 8)  # +3 over eight weeks
    daily = 4 * np.sin(2 * np.pi * t / 24) + 1.5 * np.cos(4 * np.pi * t / 24)  # two daily peaks
    weekly = 2 * np.sin(2 * np.pi * t / 168)
    noise = np.random.default_rng(seed).normal(0.0, 0.5, n)
    index = pd.date_range("2024-01-01", periods=n, freq="h", name="time")
    return pd.DataFrame({"value": trend + daily + weekly + noise}, index=index)


@dataclass
class BuiltinSeries:
    """A registry entry: what the series is, its loader, and sensible forecasting defaults."""

    name: str
    description: str
    load: Callable[[], pd.DataFrame]
    target: str
    season_length: int | None = None


SERIES: Registry[BuiltinSeries] = Registry("built-in series")
for _entry in (
    BuiltinSeries(
        "seasonal",
        "generated hourly series, 8 weeks: trend + daily and weekly cycles + noise",
        make_seasonal,
        target="value",
        season_length=24,
    ),
    BuiltinSeries(
        "stocks",
        "weekly prices of GOOG, AAPL, AMZN, FB, NFLX and MSFT, 2018-2019 (plotly)",
        load_stocks,
        target="GOOG",
    ),
    BuiltinSeries(
        "goog",
        "Google's daily open/high/low/close and volume, 2004-2008 (matplotlib sample data)",
        load_goog,
        target="close",
    ),
):
    SERIES.register(_entry.name)(_entry)


def load_series(name: str) -> tuple[pd.DataFrame, DataReport]:
    """A built-in series by name, with a report of its rows and time steps."""
    frame = SERIES.get(name).load()
    report = DataReport(source=name, task="forecasting", shape=tuple(frame.shape))
    report.counts.update(rows_kept=len(frame), gaps=note_gaps(frame.index, report))
    return frame, report
