"""Time series: built-ins, reading uploaded tables, windows split along time, forecast metrics."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from lepton_core.data.report import DataReport
from lepton_core.data.timeseries import (
    SERIES,
    load_goog,
    load_series,
    load_stocks,
    make_seasonal,
    make_windows,
    parse_series_frame,
)
from lepton_core.errors import LabInputError
from lepton_core.metrics.forecast import forecast_metrics, regression_metrics


def hourly(values: list[float] | np.ndarray, start: str = "2024-01-01") -> pd.DataFrame:
    index = pd.date_range(start, periods=len(values), freq="h", name="time")
    return pd.DataFrame({"value": np.asarray(values, dtype=float)}, index=index)


def parse(df: pd.DataFrame, **kw) -> tuple[pd.DataFrame, DataReport]:
    report = DataReport("upload.csv", task="forecasting")
    return parse_series_frame(df, report=report, **kw), report


# ---------------------------------------------------------------- built-in series


def test_stocks_are_six_tickers_weekly_over_2018_and_2019() -> None:
    df = load_stocks()
    assert list(df.columns) == ["GOOG", "AAPL", "AMZN", "FB", "NFLX", "MSFT"]
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "date"
    assert df.shape == (105, 6)
    assert set(df.index.year) == {2018, 2019}
    assert df.index.is_monotonic_increasing
    assert all(df[c].dtype == np.float64 for c in df.columns)
    assert np.allclose(df.iloc[0], 1.0)  # each relative to its first week


def test_goog_is_real_daily_prices_with_weekend_gaps() -> None:
    df = load_goog()
    assert list(df.columns) == ["open", "high", "low", "close", "volume"]
    assert df.index[0] == pd.Timestamp("2004-08-19") and df.index[-1] == pd.Timestamp("2008-10-14")
    assert (df["high"] >= df["low"]).all()
    _, report = load_series("goog")
    assert report.counts["gaps"] > 150  # weekends and holidays
    assert "median step 1 day" in report.notes[0]


def test_seasonal_is_deterministic_per_seed_and_hourly() -> None:
    a, b, c = make_seasonal(seed=3), make_seasonal(seed=3), make_seasonal(seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["value"], c["value"])
    assert len(a) == 24 * 7 * 8 and list(a.columns) == ["value"]
    assert (np.diff(a.index.values) == np.timedelta64(1, "h")).all()
    assert len(make_seasonal(n=100)) == 100


def test_seasonal_is_learnable_far_beyond_the_naive_forecast() -> None:
    """A linear model on 48 lags (scikit-learn, not ours) beats last-value by a wide margin."""
    data = make_windows(make_seasonal(), "value", lookback=48, horizon=1)
    model = Ridge(alpha=1.0).fit(data.x["train"][:, :, 0], data.y["train"][:, 0])
    pred = model.predict(data.x["test"][:, :, 0])[:, None]
    truth = data.unscale_target(data.y["test"])
    mae = forecast_metrics(truth, data.unscale_target(pred))["mae"]
    assert mae <= 0.7 * data.baseline_metrics("test")["naive"]["mae"]


@pytest.mark.parametrize("name", SERIES.names())
def test_every_builtin_series_windows_with_its_defaults(name: str) -> None:
    entry = SERIES.get(name)
    frame, report = load_series(name)
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.is_monotonic_increasing
    assert entry.target in frame.columns
    lookback = max(8, entry.season_length or 0)
    data = make_windows(frame, entry.target, lookback, 2, season_length=entry.season_length)
    assert all(len(data.y[s]) > 0 for s in ("train", "val", "test"))
    json.dumps(data.to_dict())
    assert report.task == "forecasting" and report.notes


# ---------------------------------------------------------------- reading uploaded tables


def test_iso_dates_become_a_datetime_index_and_text_numbers_become_floats() -> None:
    df = pd.DataFrame({"day": ["2019-01-01", "2019-01-02", "2019-01-03"], "sales": ["1", "2", "3"]})
    frame, report = parse(df)
    assert list(frame.index) == list(pd.to_datetime(["2019-01-01", "2019-01-02", "2019-01-03"]))
    assert frame.index.name == "day"
    assert frame["sales"].tolist() == [1.0, 2.0, 3.0]
    assert report.counts["rows_kept"] == 3


def test_day_first_dates_are_read_day_first() -> None:
    dates = ["01/12/2019", "15/12/2019", "31/12/2019", "02/01/2020"]  # the first looks US
    frame, report = parse(pd.DataFrame({"date": dates, "v": range(4)}))
    assert list(frame.index) == list(
        pd.to_datetime(["2019-12-01", "2019-12-15", "2019-12-31", "2020-01-02"])
    )
    assert any("day first" in n for n in report.notes)


def test_ambiguous_dates_are_noted_and_day_first_can_be_asked_for() -> None:
    df = pd.DataFrame({"date": ["01/02/2019", "02/02/2019", "03/02/2019"], "v": [1, 2, 3]})
    frame, report = parse(df)
    assert frame.index[0] == pd.Timestamp("2019-01-02")
    assert any("day or month first" in n for n in report.notes)
    frame, _ = parse(df, dayfirst=True)
    assert list(frame.index) == list(pd.date_range("2019-02-01", periods=3, freq="D"))


def test_datetimes_with_times_keep_their_hours() -> None:
    stamps = ["2019-03-01 00:00", "2019-03-01 01:30", "2019-03-01 03:00:00", "2019-03-01T04:30"]
    frame, _ = parse(pd.DataFrame({"v": [1, 2, 3, 4], "when": stamps}))
    expected = pd.to_datetime(
        ["2019-03-01 00:00", "2019-03-01 01:30", "2019-03-01 03:00", "2019-03-01 04:30"]
    )
    assert list(frame.index) == list(expected)


def test_unsorted_rows_are_sorted_by_time() -> None:
    df = pd.DataFrame({"date": ["2020-01-03", "2020-01-01", "2020-01-02"], "v": [3, 1, 2]})
    frame, report = parse(df)
    assert frame["v"].tolist() == [1, 2, 3] and frame.index.is_monotonic_increasing
    assert any("sorted" in n for n in report.notes)


def test_repeated_timestamps_are_averaged_and_noted() -> None:
    df = pd.DataFrame(
        {"date": ["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-03"], "v": [1, 2, 4, 5]}
    )
    frame, report = parse(df)
    assert frame["v"].tolist() == [1, 3, 5]
    assert report.counts["repeated_times"] == 1
    assert any("more than once" in n and "averaged" in n for n in report.notes)


def test_irregular_gaps_are_reported_with_the_largest() -> None:
    times = pd.date_range("2024-01-01", periods=30, freq="h").delete([10, 11, 12, 13, 20])
    df = pd.DataFrame({"t": times.strftime("%Y-%m-%d %H:%M"), "v": np.arange(len(times))})
    frame, report = parse(df)
    assert report.counts["gaps"] == 2
    note = next(n for n in report.notes if n.startswith("median step"))
    assert "median step 1 hour" in note and "2 gaps" in note and "largest 5 hours" in note


def test_rows_with_unreadable_dates_are_dropped_and_listed() -> None:
    dates = [f"2020-01-{d:02d}" for d in range(1, 21)]
    dates[4] = "not a date"
    frame, report = parse(pd.DataFrame({"date": dates, "v": range(20)}))
    assert len(frame) == 19 and 4 not in frame["v"].tolist()
    assert report.counts["bad_dates"] == 1
    assert report.skipped == [("row 5", "date 'not a date' does not parse")]


def test_non_numeric_columns_are_dropped_with_a_note() -> None:
    df = pd.DataFrame(
        {"date": ["2020-01-01", "2020-01-02"], "city": ["Oslo", "Rome"], "v": [1.5, 2.5]}
    )
    frame, report = parse(df)
    assert list(frame.columns) == ["v"]
    assert any("dropped" in n and "city" in n for n in report.notes)


def test_a_year_column_is_a_date_column_when_named() -> None:
    df = pd.DataFrame({"year": [2001, 2002, 2003], "v": [1.0, 2.0, 3.0]})
    with pytest.raises(LabInputError, match="no date/time column"):
        parse(df)
    frame, _ = parse(df, date_column="year")
    assert list(frame.index.year) == [2001, 2002, 2003]


NO_DATES = {"a": ["x", "y", "z"], "b": [1, 2, 3]}
NO_NUMBERS = {"d": ["2020-01-01", "2020-01-02"], "c": ["p", "q"]}


@pytest.mark.parametrize(
    ("table", "kw", "message"),
    [
        (NO_DATES, {}, "no date/time column found"),
        (NO_DATES, {"date_column": "a"}, "'a' does not read as dates"),
        (NO_DATES, {"date_column": "when"}, "no column named 'when'; columns: a, b"),
        (NO_NUMBERS, {}, "no numeric value column"),
    ],
    ids=["no-date-column", "date-column-not-dates", "unknown-date-column", "no-numbers"],
)
def test_tables_that_are_not_series_are_refused_clearly(table, kw, message) -> None:
    with pytest.raises(LabInputError, match=message):
        parse(pd.DataFrame(table), **kw)


# ---------------------------------------------------------------- windows


def ramp_frame(n: int = 200) -> pd.DataFrame:
    """A target with trend (train mean differs from overall mean) and a second feature."""
    t = np.arange(n, dtype=float)
    frame = hourly(t * 0.5 + np.sin(t))
    frame["other"] = np.cos(t / 3) * 10
    return frame


def test_windows_have_the_right_shapes_and_hold_the_real_values() -> None:
    frame = ramp_frame()
    data = make_windows(frame, "value", lookback=12, horizon=3)
    for split in ("train", "val", "test"):
        x, y = data.x[split], data.y[split]
        assert x.dtype == np.float32 and y.dtype == np.float32
        assert x.shape == (len(y), 12, 2) and y.shape[1] == 3
        assert len(data.times[split]) == len(y)
        rows = frame.index.get_indexer(pd.to_datetime(data.times[split]))
        target = frame["value"].to_numpy()
        expected = target[rows[:, None] + np.arange(3)]  # (N, horizon)
        assert np.allclose(data.unscale_target(y), expected, atol=1e-4)
        last_inputs = frame.to_numpy()[rows - 1]  # (N, F): the row before each forecast
        scale = np.array([[data.scaler[f]["std"] for f in data.features]])
        shift = np.array([[data.scaler[f]["mean"] for f in data.features]])
        assert np.allclose(x[:, -1] * scale + shift, last_inputs, atol=1e-4)


def test_splits_follow_time_and_never_share_a_target() -> None:
    frame = ramp_frame()
    data = make_windows(frame, "value", lookback=10, horizon=4)
    targets = {}
    for split in ("train", "val", "test"):
        rows = frame.index.get_indexer(pd.to_datetime(data.times[split]))
        targets[split] = frame.index[(rows[:, None] + np.arange(4)).ravel()]
    assert targets["train"].max() < targets["val"].min()
    assert targets["val"].max() < targets["test"].min()
    assert pd.Timestamp(data.split_times["train"]["end"]) < pd.Timestamp(
        data.split_times["val"]["start"]
    )


def test_scaler_is_fitted_on_the_train_span_only() -> None:
    frame = ramp_frame()
    data = make_windows(frame, "value", lookback=12, horizon=1)
    train_span = frame.loc[: data.split_times["train"]["end"]]
    assert data.scaler["value"]["mean"] == pytest.approx(train_span["value"].mean())
    assert data.scaler["value"]["std"] == pytest.approx(train_span["value"].std(ddof=0))
    assert data.scaler["value"]["mean"] < frame["value"].mean() - 5  # the trend: not the full mean
    assert abs(data.x["train"][:, :, 0].mean()) < 0.2  # train inputs are roughly centred


def test_naive_forecast_is_the_last_observed_value() -> None:
    frame = ramp_frame()
    data = make_windows(frame, "value", lookback=8, horizon=3)
    rows = frame.index.get_indexer(pd.to_datetime(data.times["test"]))
    naive = data.unscale_target(data.naive_forecast("test"))
    assert naive.shape == (len(rows), 3)
    assert np.allclose(naive, frame["value"].to_numpy()[rows - 1][:, None], atol=1e-4)


def test_seasonal_naive_is_exact_on_a_purely_periodic_series() -> None:
    pattern = np.array([3.0, 5, 9, 4, 1, 7, 2])
    frame = hourly(np.tile(pattern, 40))
    data = make_windows(frame, "value", lookback=7, horizon=10, season_length=7)
    truth = data.unscale_target(data.y["test"])
    seasonal = forecast_metrics(truth, data.unscale_target(data.seasonal_naive_forecast("test")))
    assert seasonal["mae"] < 1e-4
    assert data.baseline_metrics()["naive"]["mae"] > 1  # while the last value is far off
    assert data.baseline_metrics()["seasonal_naive"]["mae"] < 1e-4


def test_seasonal_naive_needs_a_full_season_of_lookback() -> None:
    data = make_windows(hourly(np.arange(300.0)), "value", lookback=12, season_length=24)
    assert data.seasonal_naive_forecast("test") is None
    assert "lookback" in data.seasonal_naive_issue
    assert "seasonal_naive" not in data.baseline_metrics()
    assert any("skipped" in n for n in data.report.notes)


def test_too_short_series_says_how_many_rows_are_needed() -> None:
    with pytest.raises(LabInputError, match=r"has 30 rows.*need at least (\d+) rows") as err:
        make_windows(hourly(np.arange(30.0)), "value", lookback=24, horizon=6)
    needed = int(err.value.args[0].split("need at least ")[1].split()[0])
    make_windows(hourly(np.arange(float(needed))), "value", lookback=24, horizon=6)
    with pytest.raises(LabInputError):
        make_windows(hourly(np.arange(float(needed - 1))), "value", lookback=24, horizon=6)


def test_unknown_or_non_numeric_target_is_refused_listing_columns() -> None:
    frame = ramp_frame()
    with pytest.raises(LabInputError, match="'price' is not a column; columns: value, other"):
        make_windows(frame, "price")
    frame["label"] = "a"
    with pytest.raises(
        LabInputError, match="'label' is not numeric; numeric columns: value, other"
    ):
        make_windows(frame, "label")


def test_small_holes_are_filled_and_long_ones_drop_their_windows() -> None:
    values = np.arange(300.0)
    values[50:52] = np.nan  # small: carried forward
    values[200:220] = np.nan  # long: windows touching it are dropped
    data = make_windows(hourly(values), "value", lookback=10, horizon=1, val=0.2, test=0.2)
    assert any("filled" in n for n in data.report.notes)
    assert not any(np.isnan(x).any() for x in data.x.values())
    windows = 300 - 11 + 1  # every start whose 11 rows fit
    touching = 20 + 11 - 1  # starts whose 11 rows reach into the 20-row hole
    assert sum(len(y) for y in data.y.values()) == windows - touching
    assert any(f"{touching} windows" in n and "dropped" in n for n in data.report.notes)


def test_preprocessing_round_trips_through_json() -> None:
    data = make_windows(ramp_frame(), "value", lookback=6, horizon=2, season_length=4)
    saved = json.loads(json.dumps(data.to_dict()))
    assert saved["lookback"] == 6 and saved["horizon"] == 2 and saved["season_length"] == 4
    assert saved["features"] == ["value", "other"] and saved["target"] == "value"
    assert set(saved["scaler"]["other"]) == {"mean", "std"}


# ---------------------------------------------------------------- metrics


def test_forecast_and_regression_metrics_match_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    truth = rng.normal(5, 2, size=(40, 3))
    pred = truth + rng.normal(0, 0.7, size=(40, 3))
    fm, rm = forecast_metrics(truth, pred), regression_metrics(truth.ravel(), pred.ravel())
    assert fm["mae"] == pytest.approx(mean_absolute_error(truth.ravel(), pred.ravel()))
    assert fm["rmse"] == pytest.approx(np.sqrt(mean_squared_error(truth.ravel(), pred.ravel())))
    assert rm["mae"] == pytest.approx(fm["mae"]) and rm["rmse"] == pytest.approx(fm["rmse"])
    assert rm["r2"] == pytest.approx(r2_score(truth.ravel(), pred.ravel()))
    const = np.full(5, 2.0)
    assert regression_metrics(const, const)["r2"] == r2_score(const, const)
    assert regression_metrics(const, const + 1)["r2"] == r2_score(const, const + 1)


@pytest.mark.parametrize(
    ("truth", "pred", "expected"),
    [
        ([100.0], [110.0], 100 * 20 / 210),
        ([0.0, 0.0], [0.0, 0.0], 0.0),  # 0/0 counts as a perfect forecast
        ([0.0], [3.0], 200.0),
        ([1.0], [-1.0], 200.0),
        ([0.0, 2.0], [0.0, 2.0], 0.0),
        ([0.0, 1.0], [0.0, 3.0], 50.0),  # (0 + 2*2/4) / 2 steps
    ],
)
def test_smape_edge_cases(truth, pred, expected) -> None:
    assert forecast_metrics(truth, pred)["smape"] == pytest.approx(expected)


def test_metrics_refuse_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="3 values"):
        forecast_metrics([1, 2, 3], [1, 2])
