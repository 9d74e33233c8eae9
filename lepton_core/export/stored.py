"""Exports kept with their run (runs/<id>/exports/<format>/), so a page refresh finds them again."""

import io
import json
import shutil
import uuid
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path


def export_folder(run, fmt: str) -> Path:
    """Where the `fmt` export of a run is kept."""
    return run.folder / "exports" / fmt


def build_stored(run, fmt: str) -> Path:
    """Build `fmt` into the run's exports folder; an earlier build is replaced only on success."""
    from lepton_core.export import EXPORT_FORMATS

    write = EXPORT_FORMATS.get(fmt)
    final = export_folder(run, fmt)
    tmp = final.parent / f".{fmt}-{uuid.uuid4().hex[:8]}"
    try:
        write(run, tmp)
        shutil.rmtree(final, ignore_errors=True)
        try:
            tmp.replace(final)
        except OSError:  # another session's build of the same export landed first: keep it
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def stored_parity(folder: Path) -> dict | None:
    """The ONNX check of a stored export (None for formats without one)."""
    path = folder / "parity.json"
    return json.loads(path.read_text()) if path.exists() else None


def download(folder: Path, fmt: str, run_id: str) -> tuple[str, Callable[[], bytes]]:
    """(file name, its bytes when asked): a bundle's zip as it is, other formats zipped."""
    zips = sorted(folder.glob("*.zip"))
    if fmt == "bundle" and zips:
        return zips[0].name, zips[0].read_bytes
    return f"lepton-{run_id}-{fmt}.zip", partial(_zipped, folder)


def _zipped(folder: Path) -> bytes:
    """The folder's files as zip bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                z.write(file, file.relative_to(folder).as_posix())
    return buf.getvalue()


def bundled_card(folder: Path) -> str | None:
    """MODEL_CARD.md as shipped inside a stored bundle, or None."""
    for path in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.endswith("/MODEL_CARD.md"):
                    return z.read(name).decode("utf-8")
    return None
