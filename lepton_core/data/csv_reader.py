"""CSV uploads: sniff (csv_sniff) or take the user's format, then parse within caps.

Cells are only ever parsed as text or numbers; nothing in the file is evaluated.
"""

import codecs
import csv
import io
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lepton_core.data.csv_sniff import (
    DECIMALS,
    DELIMITERS,
    ENCODINGS,
    CsvFormat,
    refuse_binary,
    sniff_csv,
)
from lepton_core.errors import LabInputError

__all__ = [
    "DECIMALS",
    "DELIMITERS",
    "ENCODINGS",
    "CsvFormat",
    "CsvLimits",
    "preview",
    "read_csv",
    "sniff_csv",
]

NA_TOKENS = frozenset(
    ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "None", "none"]
    + ["#N/A", "#NA", "<NA>", "-NaN", "-nan", "?"]
)


@dataclass
class CsvLimits:
    """Caps applied before and while parsing an upload."""

    max_bytes: int = 50_000_000
    max_rows: int = 200_000
    max_columns: int = 2_000


def read_csv(
    data: bytes, fmt: CsvFormat | None = None, limits: CsvLimits | None = None
) -> tuple[pd.DataFrame, CsvFormat]:
    """Parse CSV bytes into a typed DataFrame; notes on what was fixed go in df.attrs["notes"]."""
    limits = limits or CsvLimits()
    if len(data) > limits.max_bytes:
        raise LabInputError(
            f"the file is {len(data) / 1e6:.1f} MB; the limit is {limits.max_bytes / 1e6:.1f} MB"
        )
    refuse_binary(data)
    fmt = fmt or sniff_csv(data)
    _check_format(fmt)
    try:
        text = data.decode(fmt.encoding)
    except UnicodeDecodeError as e:
        raise LabInputError(
            f"the file is not valid {fmt.encoding} text (byte {e.start}); choose another encoding"
        ) from None
    if not text.strip():
        raise LabInputError("the file is empty")
    header = _parse(text, fmt, header=None, nrows=1, dtype=str, na_filter=False).iloc[0]
    if len(header) > limits.max_columns:
        raise LabInputError(
            f"the file has {len(header):,} columns; the limit is {limits.max_columns:,}"
        )
    notes: list[str] = []
    names = _column_names(header.tolist(), notes)
    df = _parse(
        text,
        fmt,
        notes,
        header=0,
        names=names,
        index_col=False,
        nrows=limits.max_rows + 1,  # one row too many tells us the file is over the cap
        na_values=sorted(NA_TOKENS),
        keep_default_na=False,
        decimal=fmt.decimal,
        low_memory=False,
    )
    if len(df) > limits.max_rows:
        raise LabInputError(
            f"the file has more than {limits.max_rows:,} rows; the limit is {limits.max_rows:,}"
        )
    for col in df.columns:
        df[col] = _clean(df[col], fmt.decimal, notes)
    blank = df.isna().all(axis=1)
    if blank.any():
        df = df[~blank].reset_index(drop=True)
        notes.append(f"skipped {int(blank.sum())} row(s) with no values")
    if df.empty:
        raise LabInputError("the file has a header but no rows")
    df.attrs["notes"] = notes
    return df, fmt


def preview(df: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The first n rows, to show before the user commits to a target."""
    return df.head(n).copy()


def _check_format(fmt: CsvFormat) -> None:
    known = {codecs.lookup(e).name for e in ENCODINGS}
    try:
        ok = codecs.lookup(fmt.encoding).name in known
    except (LookupError, TypeError):
        ok = False
    if not ok:
        raise LabInputError(f"unknown encoding {fmt.encoding!r}; choose one of {list(ENCODINGS)}")
    if not isinstance(fmt.delimiter, str) or len(fmt.delimiter) != 1 or fmt.delimiter in '"\r\n':
        raise LabInputError(f"the delimiter must be one character, like {list(DELIMITERS)}")
    if fmt.decimal not in DECIMALS or fmt.decimal == fmt.delimiter:
        raise LabInputError("the decimal mark must be '.' or ',' and differ from the delimiter")


def _parse(text: str, fmt: CsvFormat, notes: list[str] | None = None, **options) -> pd.DataFrame:
    """pandas' C parser; rows with too many fields are skipped (and noted)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            raw = pd.read_csv(
                io.StringIO(text),
                sep=fmt.delimiter,
                on_bad_lines="warn",
                engine="c",
                **options,
            )
        except (ValueError, csv.Error, OverflowError) as e:
            name = {"\t": "tab"}.get(fmt.delimiter, repr(fmt.delimiter))
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise LabInputError(
                f"could not read the file as CSV (delimiter {name}): {first}"
            ) from None
    skipped = [line for w in caught for line in str(w.message).splitlines() if "Skipping" in line]
    if notes is not None and skipped:
        first = skipped[0].strip().removeprefix("Skipping ")
        notes.append(f"skipped {len(skipped)} row(s) with too many fields ({first})")
    if raw.shape[1] == 0:
        raise LabInputError("the file is empty")
    return raw


def _column_names(header: list, notes: list[str]) -> list[str]:
    """Stripped names; an empty one becomes column_N, a repeated one gets _2, _3, ..."""
    names: list[str] = []
    renamed = []
    for i, cell in enumerate(header):
        given = cell.strip() if isinstance(cell, str) else ""
        base = given or f"column_{i + 1}"
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        if name != given:
            renamed.append(f"{given!r} → {name!r}" if given else f"(empty) → {name!r}")
        names.append(name)
    if renamed:
        notes.append("renamed empty or repeated column names: " + ", ".join(renamed[:10]))
    return names


def _clean(col: pd.Series, decimal: str, notes: list[str]) -> pd.Series:
    """Numbers stay numbers (infinities become missing); text is stripped and typed."""
    if pd.api.types.is_bool_dtype(col):
        return col
    if pd.api.types.is_numeric_dtype(col):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        infinite = np.isinf(values)
        if infinite.any():
            notes.append(
                f"column {col.name!r}: {int(infinite.sum())} infinite value(s) treated as missing"
            )
            return col.where(~infinite)
        return col
    text = col.astype("str").str.strip()
    return _typed(text.mask(text.isin(NA_TOKENS)), decimal)


def _typed(col: pd.Series, decimal: str) -> pd.Series:
    """Numbers when every present cell is a finite number; text (NaN for missing) otherwise."""
    present = col.notna()
    if not present.any():
        return pd.Series(np.nan, index=col.index, dtype="float64")
    source = col.str.replace(",", ".", regex=False) if decimal == "," else col
    num = pd.to_numeric(source, errors="coerce")
    finite = np.isfinite(num.to_numpy(dtype="float64", na_value=np.nan))
    if finite.sum() == present.sum():
        return num
    return col
