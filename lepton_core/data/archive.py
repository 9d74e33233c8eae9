"""Safe zip extraction for uploads: caps on entries and bytes, no path tricks, no links."""

import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lepton_core.data.report import DataReport
from lepton_core.errors import LabInputError

MB = 1_000_000
CHUNK = 1 << 20
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


@dataclass
class IngestLimits:
    """Caps for one upload; the defaults suit a workshop laptop."""

    max_entries: int = 20_000
    max_total_bytes: int = 500 * MB  # uncompressed, whole archive
    max_entry_bytes: int = 50 * MB
    max_pixels: int = 40_000_000  # per image, checked before decoding pixels
    max_image_size: int = 64  # cap for the resize target (pixels per side)


def is_hidden_or_system(parts: Sequence[str]) -> bool:
    """True for macOS/Windows clutter and anything under a dot-folder or named with a dot."""
    return any(p.startswith(".") or p == "__MACOSX" for p in parts) or (
        bool(parts) and parts[-1].lower() in SYSTEM_FILES
    )


def _raw_parts(name: str) -> list[str] | None:
    """Path components of an entry name, or None if it is absolute or climbs out with '..'."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return None if ".." in parts else parts


def _clean(part: str) -> str:
    """One path component made safe to create on any OS (may come back empty)."""
    part = _BAD_CHARS.sub("_", unicodedata.normalize("NFC", part)).rstrip(" .")
    return part.encode()[:200].decode(errors="ignore")


def _data_root(dest: Path, kept: list[tuple[str, ...]]) -> Path:
    """Descend through single wrapper folders (e.g. pets/) until the class folders show."""
    root, rel = dest, kept
    while rel and len({p[0] for p in rel}) == 1 and any(len(p) >= 3 for p in rel):
        root = root / rel[0][0]
        rel = [p[1:] for p in rel]
    return root


def _copy_capped(
    src: IO[bytes], out: IO[bytes], limits: IngestLimits, total: int
) -> tuple[int, bool]:
    """Copy in chunks; return (new running total, fits). Raise if the archive total overflows."""
    size = 0
    while chunk := src.read(CHUNK):
        size += len(chunk)
        if size > limits.max_entry_bytes:
            return total, False
        total += len(chunk)
        if total > limits.max_total_bytes:
            raise LabInputError(
                f"the zip unpacks to more than {limits.max_total_bytes // MB} MB; "
                "upload fewer or smaller images"
            )
        out.write(chunk)
    return total, True


def extract_zip(zip_path: Path, dest: Path, limits: IngestLimits, report: DataReport) -> Path:
    """Extract a zip of class folders into dest safely; return the data root inside dest."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise LabInputError(f"{Path(zip_path).name} is not a zip archive") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise LabInputError(
                f"the zip has {len(infos):,} entries; the limit is {limits.max_entries:,}"
            )
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_total_bytes:
            raise LabInputError(
                f"the zip unpacks to {declared / MB:,.0f} MB; "
                f"the limit is {limits.max_total_bytes // MB} MB"
            )
        dest.mkdir(parents=True, exist_ok=True)
        base = dest.resolve()
        kept: list[tuple[str, ...]] = []
        seen: set[tuple[str, ...]] = set()
        ignored, total = 0, 0
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            raw = _raw_parts(name)
            if raw is None:
                report.skip(name, "unsafe path (points outside the upload)")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                report.skip(name, "unsafe path (symbolic link)")
                continue
            if is_hidden_or_system(raw):
                ignored += 1
                continue
            parts = tuple(_clean(p) for p in raw)
            target = base.joinpath(*parts)
            if not parts or not all(parts) or not target.resolve().is_relative_to(base):
                report.skip(name, "unsafe path (unusable file name)")
            elif parts in seen:
                report.skip(name, "duplicate file name in the zip")
            elif parts[-1].lower().endswith(".zip"):
                report.skip(name, "zip inside the zip (not unpacked)")
            elif info.flag_bits & 0x1:
                report.skip(name, "password-protected")
            elif info.file_size > limits.max_entry_bytes:
                report.skip(name, f"file larger than {limits.max_entry_bytes // MB} MB")
            else:
                seen.add(parts)
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, open(target, "wb") as out:
                        total, fits = _copy_capped(src, out, limits, total)
                except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError):
                    if target.is_file():
                        target.unlink()
                    report.skip(name, "damaged zip entry (could not unpack)")
                    continue
                if not fits:
                    target.unlink()
                    report.skip(name, f"file larger than {limits.max_entry_bytes // MB} MB")
                    continue
                kept.append(parts)
        if ignored:
            report.notes.append(f"ignored {ignored} hidden/system files")
    return _data_root(dest, kept)
