"""Uploaded bytes -> a content-addressed zip in LEPTON_HOME/uploads; names never become paths."""

import hashlib
import io
import json
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

from lepton_core.errors import LabInputError
from lepton_core.home import lepton_home

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_WEIGHTS_BYTES = 150 * 1024 * 1024  # resnet18's float32 weights are 45 MB
MAX_HEADER_BYTES = 10 * 1024 * 1024


def _uploads_dir() -> Path:
    folder = lepton_home() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def content_id(data: bytes) -> str:
    """The name (without suffix) an upload is stored under: its content hash."""
    return hashlib.sha256(data).hexdigest()[:16]


def _store(data: bytes, suffix: str, max_bytes: int, folder: Path | None = None) -> Path:
    """Write `data` once as <sha256[:16]><suffix> in `folder` (a workspace's uploads; default
    LEPTON_HOME/uploads), atomically; returns the path."""
    if len(data) > max_bytes:
        raise LabInputError(
            f"upload is {len(data) / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB"
        )
    path = (folder or _uploads_dir()) / f"{content_id(data)}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def save_upload_zip(
    data: bytes, max_bytes: int = MAX_UPLOAD_BYTES, folder: Path | None = None
) -> Path:
    """Store an uploaded .zip by its content hash and return the path to train from."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LabInputError("the uploaded file is not a zip archive")
    return _store(data, ".zip", max_bytes, folder)


def zip_folder_upload(
    files: Iterable[tuple[str, bytes]],
    max_bytes: int = MAX_UPLOAD_BYTES,
    folder: Path | None = None,
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
    return save_upload_zip(buf.getvalue(), max_bytes, folder)


def save_upload_csv(
    data: bytes, max_bytes: int = MAX_UPLOAD_BYTES, folder: Path | None = None
) -> Path:
    """Store an uploaded CSV by its content hash (the name the user gave it is never used)."""
    if not data.strip():
        raise LabInputError("the file is empty")
    return _store(data, ".csv", max_bytes, folder)


def save_upload_weights(
    data: bytes, max_bytes: int = MAX_WEIGHTS_BYTES, folder: Path | None = None
) -> Path:
    """Store an uploaded safetensors state dict by its content hash, after checking its header.

    A pickle (.pt/.pth) or any other file is refused before it is written.
    """
    if len(data) > max_bytes:
        raise LabInputError(
            f"the weights file is {len(data) / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB"
        )
    _check_safetensors(data)
    return _store(data, ".safetensors", max_bytes, folder)


def _check_safetensors(data: bytes) -> None:
    """The safetensors layout: an 8-byte little-endian header length, a JSON header whose
    tensors' byte ranges lie inside the file, then the tensor bytes."""
    refuse = LabInputError(
        "the file is not in safetensors format (weights are accepted only as .safetensors, "
        "never as pickled .pt/.pth files)"
    )
    if len(data) < 8:
        raise refuse
    (n,) = struct.unpack("<Q", data[:8])
    if not 2 <= n <= min(MAX_HEADER_BYTES, len(data) - 8) or data[8:9] != b"{":
        raise refuse
    try:
        header = json.loads(data[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise refuse from None
    body = len(data) - 8 - n
    tensors = (
        {k: v for k, v in header.items() if k != "__metadata__"} if isinstance(header, dict) else {}
    )
    for entry in tensors.values():
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and 0 <= offsets[0] <= offsets[1] <= body
        ):
            raise refuse
    if not tensors:
        raise LabInputError("the safetensors file holds no tensors")
