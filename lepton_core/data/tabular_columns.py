"""What a table's columns are: the task its target implies, and each feature column's kind."""

import re
import warnings

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

CLASSIFICATION, REGRESSION = "tabular-classification", "tabular-regression"
TASKS = (CLASSIFICATION, REGRESSION)
KINDS = ("numeric", "categorical", "date", "id", "empty", "constant")
MIXED_NUMERIC_SHARE = 0.8  # a text column this numeric is a numeric column with some bad cells
DATE_SHARE = 0.9
_ID_WORD = re.compile(r"(?:^|[^a-z0-9])(?:id|uuid|guid|key)(?:$|[^a-z0-9])")
_ID_SUFFIX = re.compile(r"[a-z](?:Id|ID)$")  # customerId, CustomerID


def is_numeric(s: pd.Series) -> bool:
    """True for number columns (booleans are categories)."""
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def numeric_values(s: pd.Series) -> pd.Series:
    """The column as float64; text that is not a finite number becomes NaN."""
    if is_numeric(s):
        v = s.astype("float64")
    elif pd.api.types.is_bool_dtype(s):
        return pd.Series(np.nan, index=s.index, dtype="float64")
    else:
        v = pd.to_numeric(s.astype("str").str.strip(), errors="coerce").astype("float64")
    return v.where(np.isfinite(v))


def numeric_matrix(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Columns as float64 (N, k); missing, infinite or non-numeric cells are NaN."""
    out = np.empty((len(df), len(cols)))
    fast = [j for j, c in enumerate(cols) if is_numeric(df[c])]
    if fast:
        block = df[[cols[j] for j in fast]]
        out[:, fast] = block.to_numpy(dtype=np.float64, na_value=np.nan)
    for j in sorted(set(range(len(cols))) - set(fast)):
        out[:, j] = numeric_values(df[cols[j]]).to_numpy()
    out[~np.isfinite(out)] = np.nan
    return out


def numeric_share(s: pd.Series) -> float:
    """The share of present cells that are finite numbers (a sample decides clear cases)."""
    present = s.dropna()
    if not len(present):
        return 0.0
    share = float(numeric_values(present.iloc[:500]).notna().mean())
    return share if share < 0.5 else float(numeric_values(present).notna().mean())


def is_mixed_numeric(s: pd.Series) -> bool:
    """Text that is mostly numbers with some words: the words are bad cells, not levels."""
    return not is_numeric(s) and MIXED_NUMERIC_SHARE <= numeric_share(s) < 1.0


def infer_task(y: pd.Series) -> str:
    """Classification for a categorical target or one with few integer levels, else regression."""
    y = y.dropna()
    if is_mixed_numeric(y):
        y = numeric_values(y).dropna()
    if not is_numeric(y):
        return CLASSIFICATION
    v = y.to_numpy(dtype="float64")
    levels = len(np.unique(v))
    integral = bool(np.all(np.isfinite(v) & (v == np.round(v))))
    if integral and levels <= 20 and (levels <= 10 or levels < 0.05 * len(v)):
        return CLASSIFICATION
    return REGRESSION


def infer_column_types(df: pd.DataFrame, target: str) -> dict[str, str]:
    """Each feature column's kind: numeric, categorical, date, id, empty or constant."""
    return {str(c): _kind(df[c], str(c)) for c in df.columns if c != target}


def date_settings(s: pd.Series) -> dict | None:
    """How to parse a text column as dates ({"dayfirst", "format"}), or None if it isn't dates."""
    present = s.dropna().astype(str)
    if present.empty or present.str.contains(r"\d").mean() < DATE_SHARE:
        return None
    sample = present.iloc[:: max(1, len(present) // 1000)]
    formats = {_guess_format(x, dayfirst) for x in sample.iloc[:5] for dayfirst in (False, True)}
    formats.discard(None)
    if not formats:
        return None  # no value looks like a date: don't try the slow element-wise parse
    tries = [{"dayfirst": "%d" in f.split("%m")[0], "format": f} for f in sorted(formats)]
    for settings in [*tries, {"dayfirst": False, "format": None}]:
        if parse_dates(sample, settings).notna().mean() >= DATE_SHARE:
            return settings
    return None


def parse_dates(s: pd.Series, settings: dict) -> pd.Series:
    """Parse text as UTC timestamps with saved settings; failures become NaT."""
    fmt = settings.get("format") or "mixed"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(
                s.astype("object"),
                format=fmt,
                dayfirst=settings.get("dayfirst", False),
                errors="coerce",
                utc=True,
            )
        except (ValueError, TypeError, OverflowError):
            return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")


def _guess_format(value: str, dayfirst: bool) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return guess_datetime_format(value, dayfirst=dayfirst)


def _kind(s: pd.Series, name: str) -> str:
    present = s.dropna()
    if present.empty:
        return "empty"
    if (present if is_numeric(s) else present.astype(str)).nunique() <= 1:
        return "constant"
    if is_numeric(s) or is_mixed_numeric(s):
        v = numeric_values(present).dropna()
        if v.nunique() <= 1:
            return "constant"
        return "id" if _id_like_numbers(v.to_numpy(), name) else "numeric"
    if not pd.api.types.is_bool_dtype(s) and date_settings(present) is not None:
        return "date"
    if not pd.api.types.is_bool_dtype(s) and present.nunique() > 0.95 * len(present):
        return "id"
    return "categorical"


def _id_like_numbers(v: np.ndarray, name: str) -> bool:
    """Integers that are unique with an id-like name, or just the row number 0..n-1 / 1..n."""
    if not np.all(v == np.round(v)):
        return False
    named = bool(_ID_WORD.search(name.lower()) or _ID_SUFFIX.search(name))
    if named and len(np.unique(v)) > 0.95 * len(v):
        return True
    steps = np.diff(v)
    return len(v) > 2 and v[0] in (0, 1) and bool(np.all(steps == 1))
