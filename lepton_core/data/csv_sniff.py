"""Sniff CSV bytes: refuse binary and UTF-16 files, then guess encoding, delimiter and decimal."""

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass

from lepton_core.errors import LabInputError

ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "latin-1")
DELIMITERS = (",", ";", "\t", "|")
DECIMALS = (".", ",")
_SAMPLE_LINES = 50
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")
_MAGIC = {
    b"PK\x03\x04": "a zip archive or an Excel workbook (.xlsx)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
}


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


def refuse_binary(data: bytes) -> None:
    """Refuse UTF-16/32, NUL-containing and well-known binary files with advice."""
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
    refuse_binary(data)
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
    """The delimiter whose field count is most consistent and agrees with the header.

    Not csv.Sniffer: on ties it prefers ',' and so splits '1,5;2,5' decimal-comma files on commas.
    """
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
