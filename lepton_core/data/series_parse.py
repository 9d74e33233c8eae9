"""Read a table as a time series: find and parse its dates, sort, merge repeats, keep numbers."""

import warnings

import numpy as np
import pandas as pd

from lepton_core.data.report import DataReport
from lepton_core.errors import LabInputError

DATE_SHARE = 0.9  # a column is found as the date column when this share of it parses
CHOSEN_DATE_SHARE = 0.5  # a column the user named must parse at least this well
NUMBER_SHARE = 0.9  # a text column is kept as numbers when this share of its cells are numbers
GAP_FACTOR = 1.5  # a step longer than this times the median step is a gap
SAMPLE = 200  # values tried per column while looking for the date column
MAX_LISTED = 10  # rows with bad dates listed one by one in the report


def parse_series_frame(
    df: pd.DataFrame,
    date_column: str | None = None,
    report: DataReport | None = None,
    *,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """A table indexed by its parsed, sorted, de-duplicated dates, with numeric columns only."""
    report = report or DataReport(source="upload", task="forecasting")
    report.task = "forecasting"
    if df.empty or len(df.columns) < 2:
        raise LabInputError("a time series needs a date/time column and at least one value column")
    if date_column is None:
        date_column = _find_date_column(df, dayfirst)
    elif date_column not in df.columns:
        columns = ", ".join(map(str, df.columns))
        raise LabInputError(f"no column named {date_column!r}; columns: {columns}")
    times, how = _parse_dates(df[date_column], dayfirst)
    if times.notna().mean() < CHOSEN_DATE_SHARE:
        example = df[date_column][times.isna()].iloc[0]
        raise LabInputError(
            f"column {date_column!r} does not read as dates (for example {str(example)!r}); "
            "choose the column that holds the dates or times"
        )
    if how:
        report.notes.append(how)
    bad = times.isna().to_numpy()
    for pos in np.flatnonzero(bad)[:MAX_LISTED]:
        report.skip(f"row {pos + 1}", f"date {str(df[date_column].iloc[pos])!r} does not parse")
    if bad.any():
        report.notes.append(f"rows dropped without a readable date: {int(bad.sum())}")
    values = _numeric_columns(df.drop(columns=[date_column]), date_column, report)
    frame = values[~bad].set_index(pd.DatetimeIndex(times[~bad], name=str(date_column)))
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
        report.notes.append("rows were not in time order; sorted by time")
    repeated = frame.index.duplicated(keep=False)
    n_repeated = int(frame.index[repeated].nunique())
    if n_repeated:
        frame = frame.groupby(level=0).mean()
        report.notes.append(
            f"timestamps found more than once: {n_repeated} ({int(repeated.sum())} rows), "
            "their values averaged"
        )
    if len(frame) < 2:
        raise LabInputError("a time series needs at least two rows with different dates")
    report.counts.update(
        rows_read=len(df),
        rows_kept=len(frame),
        bad_dates=int(bad.sum()),
        repeated_times=n_repeated,
        gaps=note_gaps(frame.index, report),
    )
    _note_missing(frame, report)
    report.shape = tuple(frame.shape)
    return frame


def note_gaps(index: pd.DatetimeIndex, report: DataReport) -> int:
    """Note the median step and the gaps longer than 1.5x it; returns how many gaps."""
    if len(index) < 3:
        return 0
    steps = pd.Series(index[1:] - index[:-1], index=index[1:])
    median = steps.median()
    gaps = steps[steps > GAP_FACTOR * median]
    note = f"median step {_duration(median)}"
    if len(gaps):
        end = gaps.idxmax()
        start = index[index.get_loc(end) - 1]
        note += (
            f"; {len(gaps)} gaps longer than {GAP_FACTOR:g}x that, the largest "
            f"{_duration(gaps.max())} (from {_stamp(start)} to {_stamp(end)})"
        )
    else:
        note += ", regular"
    report.notes.append(note)
    return len(gaps)


def _parse_dates(col: pd.Series, dayfirst: bool | None) -> tuple[pd.Series, str]:
    """Best reading of a column as naive (UTC) times, and a note on how it was read."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        whole = col.dropna()
        if not (whole == whole.round()).all():
            return pd.Series(pd.NaT, index=col.index, dtype="datetime64[s]"), ""
        col = col.astype("Int64").astype("string")  # 2019 -> "2019", 20191231 -> "20191231"
    tries = [{}, {"dayfirst": True}]
    results = {i: _to_datetime(col, o) for i, o in enumerate(tries)}
    if max(r.notna().sum() for r in results.values()) < col.notna().sum():
        tries += [{"format": "mixed"}, {"format": "mixed", "dayfirst": True}]
        results.update({i: _to_datetime(col, tries[i]) for i in (2, 3)})
    allowed = [i for i in results if dayfirst in (None, tries[i].get("dayfirst", False))]
    best = max(allowed, key=lambda i: (results[i].notna().sum(), _in_order(results[i]), -i))
    parsed = results[best]
    other = results.get(best ^ 1)  # same format, the other day/month order
    how = ""
    if tries[best].get("dayfirst"):
        how = "dates read day first (31/12/2019 is 31 December 2019)"
    elif dayfirst is None and other is not None and other.notna().sum() == parsed.notna().sum():
        if not other.equals(parsed):
            how = "dates like 01/02/2019 could be day or month first; read month first"
    return parsed, how


def _to_datetime(col: pd.Series, options: dict) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(col, errors="coerce", utc=True, **options)
        except (ValueError, TypeError, OverflowError):
            return pd.Series(pd.NaT, index=col.index, dtype="datetime64[s]")
    return parsed.dt.tz_convert(None)


def _in_order(times: pd.Series) -> bool:
    return times.dropna().is_monotonic_increasing


def _find_date_column(df: pd.DataFrame, dayfirst: bool | None) -> str:
    for name in df.columns:
        col = df[name].dropna().head(SAMPLE)
        if col.empty or pd.api.types.is_numeric_dtype(col):
            continue  # numbers (years, 20191231) are dates only when chosen by name
        if not pd.api.types.is_datetime64_any_dtype(col):
            if pd.to_numeric(col, errors="coerce").notna().mean() >= NUMBER_SHARE:
                continue
        if _parse_dates(col, dayfirst)[0].notna().mean() >= DATE_SHARE:
            return name
    columns = ", ".join(map(str, df.columns))
    raise LabInputError(
        f"no date/time column found: no column reads as dates in at least {DATE_SHARE:.0%} of "
        f"its rows (columns: {columns}); choose the date column by name"
    )


def _numeric_columns(df: pd.DataFrame, date_column: str, report: DataReport) -> pd.DataFrame:
    kept, dropped = {}, []
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_numeric_dtype(col):
            numbers = col.astype(np.float64)
        else:
            numbers = pd.to_numeric(col, errors="coerce").astype(np.float64)
            if numbers.notna().sum() < NUMBER_SHARE * col.notna().sum():
                dropped.append(str(name))
                continue
            if numbers.notna().sum() < col.notna().sum():
                n_text = int(col.notna().sum() - numbers.notna().sum())
                report.notes.append(
                    f"cells in {name!r} that are not numbers, read as missing: {n_text}"
                )
        if numbers.isna().all():
            dropped.append(str(name))
            continue
        kept[name] = numbers
    if dropped:
        report.notes.append(f"non-numeric or empty columns dropped: {', '.join(dropped)}")
    if not kept:
        raise LabInputError(
            f"no numeric value column besides the date column {date_column!r} "
            f"(dropped: {', '.join(dropped)})"
        )
    return pd.DataFrame(kept, index=df.index)


def _note_missing(frame: pd.DataFrame, report: DataReport) -> None:
    missing = frame.isna().sum()
    missing = missing[missing > 0]
    if len(missing):
        listed = ", ".join(f"{name!r} {int(n)}" for name, n in missing.items())
        report.notes.append(f"missing values: {listed}")


def _stamp(t: pd.Timestamp) -> str:
    return str(t.date()) if t == t.normalize() else str(t)


def _duration(td: pd.Timedelta) -> str:
    seconds = td.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            amount = seconds / size
            return f"{amount:g} {unit}{'' if amount == 1 else 's'}"
    return f"{seconds:g} seconds"
