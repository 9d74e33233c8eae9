"""CSV uploads: sniff the encoding, delimiter and decimal mark, then parse within caps.

Cells are only ever parsed as text or numbers; nothing in the file is evaluated.
"""

import codecs
import csv
import io
import re
import warnings
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from lepton_core.errors import LabInputError

ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "latin-1")
DELIMITERS = (",", ";", "\t", "|")
DECIMALS = (".", ",")
NA_TOKENS = frozenset(
    ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "None", "none"]
    + ["#N/A", "#NA", "<NA>", "-NaN", "-nan", "?"]
)
_SAMPLE_LINES = 50
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")
_MAGIC = {
    b"PK\x03\x04": "a zip archive or an Excel workbook (.xlsx)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
}


@dataclass
class CsvLimits:
    """Caps applied before and while parsing an upload."""

    max_bytes: int = 50_000_000
    max_rows: int = 200_000
    max_columns: int = 2_000


@dataclass
class CsvFormat:
    """How to read the bytes: what sniff_csv guessed or the user chose."""

    encoding: str
    delimiter: str
    decimal: str = "."

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def sniff_csv(data: bytes) -> CsvFormat:
    """Guess the encoding, delimiter and decimal mark of CSV bytes (refusing binary files)."""
    encoding, text = _decode_auto(data)
    if not text.strip():
        raise LabInputError("the file is empty")
    rows_by_delim = {d: _sample_rows(text, d) for d in DELIMITERS}
    delimiter = _pick_delimiter(rows_by_delim)
    decimal = _pick_decimal(rows_by_delim[delimiter][1:]) if delimiter != "," else "."
    return CsvFormat(encoding, delimiter, decimal)


def read_csv(
    data: bytes, fmt: CsvFormat | None = None, limits: CsvLimits | None = None
) -> tuple[pd.DataFrame, CsvFormat]:
    """Parse CSV bytes into a typed DataFrame; notes on what was fixed go in df.attrs["notes"]."""
    limits = limits or CsvLimits()
    if len(data) > limits.max_bytes:
        raise LabInputError(
            f"the file is {len(data) / 1e6:.1f} MB; the limit is {limits.max_bytes / 1e6:.1f} MB"
        )
    fmt = fmt or sniff_csv(data)
    _check_format(fmt)
    _refuse_binary(data)
    try:
        text = data.decode(fmt.encoding)
    except UnicodeDecodeError as e:
        raise LabInputError(
            f"the file is not valid {fmt.encoding} text (byte {e.start}); choose another encoding"
        ) from None
    if not text.strip():
        raise LabInputError("the file is empty")
    n_columns = _parse(text, fmt, nrows=1).shape[1]
    if n_columns > limits.max_columns:
        raise LabInputError(
            f"the file has {n_columns:,} columns; the limit is {limits.max_columns:,}"
        )
    notes: list[str] = []
    raw = _parse(text, fmt, nrows=limits.max_rows + 2, notes=notes)  # header + one row too many
    header, body = raw.iloc[0], raw.iloc[1:].reset_index(drop=True)
    body = body.apply(lambda col: col.str.strip())
    body = body.mask(body.isin(NA_TOKENS) | body.isna())
    blank = body.isna().all(axis=1)
    if blank.any():
        body = body[~blank].reset_index(drop=True)
        notes.append(f"skipped {int(blank.sum())} row(s) with no values")
    if body.empty:
        raise LabInputError("the file has a header but no rows")
    if len(body) > limits.max_rows:
        raise LabInputError(
            f"the file has more than {limits.max_rows:,} rows; the limit is {limits.max_rows:,}"
        )
    body.columns = _column_names(header.tolist(), notes)
    df = pd.DataFrame({c: _typed(body[c], fmt.decimal) for c in body.columns})
    df.attrs["notes"] = notes
    return df, fmt


def preview(df: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The first n rows, to show before the user commits to a target."""
    return df.head(n).copy()


def _refuse_binary(data: bytes) -> None:
    if data[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        raise LabInputError("the file is UTF-32; save it as UTF-8 CSV")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise LabInputError("the file is UTF-16; save it as UTF-8 CSV")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise LabInputError(f"the file is {what}, not a CSV; save it as CSV UTF-8")
    if b"\x00" not in data:
        return
    head = data[:4096]
    nuls = head.count(0)
    odd = head[1::2].count(0)
    if nuls >= 0.3 * len(head) and max(odd, nuls - odd) >= 0.9 * nuls:  # ASCII as UTF-16
        raise LabInputError("the file is UTF-16; save it as UTF-8 CSV")
    raise LabInputError("the file contains NUL bytes: it is binary data, not a CSV text file")


def _decode_auto(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not), then GBK if it looks Chinese, then Latin-1 if it looks like text."""
    _refuse_binary(data)
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise LabInputError(
                "the file starts with a UTF-8 marker but is not valid UTF-8"
            ) from None
        return "utf-8-sig", _refuse_control_chars(text)
    for encoding in ("utf-8", "gbk"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" or _plausible_gbk(text):
            return encoding, _refuse_control_chars(text)
    return "latin-1", _refuse_control_chars(data.decode("latin-1"))  # Latin-1 decodes any bytes


def _plausible_gbk(text: str) -> bool:
    """Real Chinese text has both GBK bytes high; Latin-1 accents followed by ASCII don't."""
    wide = [c for c in text[:65536] if ord(c) > 127][:10_000]
    ascii_trail = sum(1 for c in wide if (b := c.encode("gbk")) and len(b) == 2 and b[1] < 0x80)
    return ascii_trail <= 0.1 * len(wide)


def _refuse_control_chars(text: str) -> str:
    sample = text[:65536]
    controls = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r") or c == "\x7f")
    if controls > max(2, 0.01 * len(sample)):
        raise LabInputError("the file does not look like text (binary data?); upload a CSV file")
    return text


def _sample_rows(text: str, delimiter: str) -> list[list[str]]:
    head = text[:2_000_000]
    lines = head.splitlines()
    if len(head) < len(text) and len(lines) > 1:
        lines = lines[:-1]  # cut mid-line
    lines = [line for line in lines if line.strip()][:_SAMPLE_LINES]
    rows = []
    try:
        for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter):
            rows.append(row)
    except csv.Error:
        pass  # e.g. a quoted field cut by the sample's end: judge on the rows read so far
    return rows


def _pick_delimiter(rows_by_delim: dict[str, list[list[str]]]) -> str:
    """The delimiter whose field count is most consistent and agrees with the header."""
    best, best_key = ",", (0.0, 0)
    for delimiter, rows in rows_by_delim.items():
        counts = [len(r) for r in rows if r]
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        if mode < 2 or counts[0] != mode:
            continue
        key = (hits / len(counts), mode)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _pick_decimal(rows: list[list[str]]) -> str:
    cells = [c.strip() for r in rows for c in r]
    commas = sum(1 for c in cells if _DECIMAL_COMMA.match(c))
    points = sum(1 for c in cells if _DECIMAL_POINT.match(c))
    return "," if commas > points else "."


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


def _parse(text: str, fmt: CsvFormat, nrows: int, notes: list[str] | None = None) -> pd.DataFrame:
    """All cells as text; the first row is the header. Rows with extra fields are skipped."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            raw = pd.read_csv(
                io.StringIO(text),
                sep=fmt.delimiter,
                header=None,
                dtype=str,
                na_filter=False,
                nrows=nrows,
                on_bad_lines="warn",
                engine="c",
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
    if raw.empty:
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
