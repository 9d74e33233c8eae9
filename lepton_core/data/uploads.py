"""Uploaded bytes -> a content-addressed zip in LEPTON_HOME/uploads; names never become paths."""

import hashlib
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from lepton_core.errors import LabInputError
from lepton_core.home import lepton_home

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def _uploads_dir() -> Path:
    folder = lepton_home() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store(data: bytes, suffix: str, max_bytes: int) -> Path:
    """Write `data` once under uploads/<sha256[:16]><suffix>, atomically; returns the path."""
    if len(data) > max_bytes:
        raise LabInputError(
            f"upload is {len(data) / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB"
        )
    path = _uploads_dir() / f"{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def save_upload_zip(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Store an uploaded .zip by its content hash and return the path to train from."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LabInputError("the uploaded file is not a zip archive")
    return _store(data, ".zip", max_bytes)


def zip_folder_upload(
    files: Iterable[tuple[str, bytes]], max_bytes: int = MAX_UPLOAD_BYTES
) -> Path:
    """Pack a browser folder upload ((relative name, bytes) pairs) into a zip; the zip ingest
    then applies every guard (paths, hidden files, sizes) exactly as for a zip upload."""
    buf, total = io.BytesIO(), 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in files:
            total += len(data)
            if total > max_bytes:
                raise LabInputError(f"the folder is larger than {max_bytes / 1e6:.0f} MB")
            zf.writestr(name, data)
    if total == 0:
        raise LabInputError("the folder upload is empty")
    return save_upload_zip(buf.getvalue(), max_bytes)


def save_upload_csv(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Store an uploaded CSV by its content hash (the name the user gave it is never used)."""
    if not data.strip():
        raise LabInputError("the file is empty")
    return _store(data, ".csv", max_bytes)
