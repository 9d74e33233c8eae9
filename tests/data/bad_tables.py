"""Malformed CSV uploads for the corpus tests: one function per case, each returns bytes."""

import io
import zipfile

GOOD = "age,income,bought\n" + "".join(f"{20 + i},{1000 + 7 * i},{i % 2}\n" for i in range(40))


def csv_with_nul_bytes() -> bytes:
    """A CSV with NUL bytes in the middle of its cells."""
    return GOOD.encode().replace(b"1000", b"10\x00\x000", 5)


def excel_renamed_csv() -> bytes:
    """An .xlsx workbook (a zip of XML parts) saved under a .csv name."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        zf.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet/>')
    return buf.getvalue()


def old_excel_renamed_csv() -> bytes:
    """An old .xls (OLE2 compound file) header saved under a .csv name."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def utf16_csv() -> bytes:
    """UTF-16 text with a byte-order mark (what Excel's "Unicode text" writes)."""
    return GOOD.encode("utf-16")


def utf16_csv_without_bom() -> bytes:
    """UTF-16-LE text without a byte-order mark."""
    return GOOD.encode("utf-16-le")


CASES = {
    "nul-bytes": (csv_with_nul_bytes, "NUL bytes"),
    "xlsx-as-csv": (excel_renamed_csv, "Excel"),
    "xls-as-csv": (old_excel_renamed_csv, "Excel"),
    "utf-16": (utf16_csv, "UTF-16"),
    "utf-16-no-bom": (utf16_csv_without_bom, "UTF-16"),
}


def stored_state(home, run_id: str) -> dict:
    """What must not change when a bad input is refused: the run's files and its record."""
    from lepton_core.runs import RunStore
    from tests.data.corpus import file_hashes

    files = file_hashes(home / "runs" / run_id)
    record = RunStore(home).get(run_id)
    return {"files": files, "record": repr(record)}
