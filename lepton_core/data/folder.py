"""Read an image-classification dataset laid out as one folder per class (or a zip of that)."""

import hashlib
import json
import os
import re
import shutil
import uuid
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from lepton_core.data.archive import MB, IngestLimits, extract_zip, is_hidden_or_system
from lepton_core.data.images import decode_image, flatten, is_gray, to_array
from lepton_core.data.report import DataReport
from lepton_core.data.uploads import MAX_UPLOAD_BYTES
from lepton_core.errors import LabInputError

MIN_SIZE = 8
MARKER = ".complete"


def _candidates(root: Path, limits: IngestLimits, report: DataReport) -> list[tuple[str, Path]]:
    """(class name, file) for every usable-looking file; the rest go to report.skipped."""
    files = sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())
    if len(files) > limits.max_entries:
        raise LabInputError(
            f"the folder has {len(files):,} files; the limit is {limits.max_entries:,}"
        )
    out = []
    for path in files:
        rel = path.relative_to(root)
        if is_hidden_or_system(rel.parts):
            continue
        if path.is_symlink():
            report.skip(rel.as_posix(), "unsafe path (symbolic link)")
        elif len(rel.parts) < 2:
            report.skip(rel.as_posix(), "not inside a class folder")
        elif path.stat().st_size > limits.max_entry_bytes:
            report.skip(rel.as_posix(), f"file larger than {limits.max_entry_bytes // MB} MB")
        else:
            out.append((rel.parts[0], path))
    return out


def _why(message: str, report: DataReport) -> LabInputError:
    """A refusal that also names why files were skipped (one example per reason, at most 3)."""
    first: dict[str, str] = {}
    for name, reason in report.skipped:
        first.setdefault(reason, re.sub(r"[\x00-\x1f\x7f]", "?", name)[:80])
    if first:
        examples = "; ".join(f"{name}: {reason}" for reason, name in list(first.items())[:3])
        message += f"; {len(report.skipped)} file(s) skipped ({examples})"
    return LabInputError(message)


def _check_classes(names: list[str], report: DataReport) -> None:
    """At least two class folders, or a message saying what was found (and skipped)."""
    if len(names) < 2:
        found = f": {', '.join(names)}" if names else " (put images in one folder per class)"
        raise _why(f"need at least 2 class folders, found {len(names)}{found}", report)


def read_image_folder(
    root: Path,
    *,
    image_size: int | None = None,
    limits: IngestLimits | None = None,
    report: DataReport | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str], DataReport]:
    """Images uint8 (N, C, H, W), labels int64 (N,), sorted class names and the report."""
    root, limits = Path(root), limits or IngestLimits()
    report = report or DataReport(source=root.name)
    if image_size is not None and not MIN_SIZE <= image_size <= limits.max_image_size:
        raise LabInputError(
            f"image size must be {MIN_SIZE} to {limits.max_image_size} pixels, got {image_size}"
        )
    found = _candidates(root, limits, report)
    classes = sorted({c for c, _ in found})
    _check_classes(classes, report)
    label_of = {c: i for i, c in enumerate(classes)}

    # Keep each decoded image, pre-shrunk per side to 4× the largest possible target (bounds RAM).
    keep = 4 * (image_size or limits.max_image_size)
    kept: list[tuple[int, Image.Image, bool]] = []  # (label, 8-bit L/RGB image, gray)
    sides: list[int] = []  # max(width, height) of each original
    for name, path in found:
        try:
            img = decode_image(path, max_pixels=limits.max_pixels)
        except LabInputError as e:
            report.skip(path.relative_to(root).as_posix(), str(e))
            continue
        w, h = img.size
        sides.append(max(w, h))
        small = flatten(img).resize((min(w, keep), min(h, keep)), Image.Resampling.LANCZOS)
        kept.append((label_of[name], small, is_gray(small)))

    if not kept:
        raise _why("no readable images", report)
    counts = {c: 0 for c in classes}
    for label, _, _ in kept:
        counts[classes[label]] += 1
    for c, n in counts.items():
        if n < 2:
            raise _why(f"class '{c}' has {n} usable image(s); each class needs at least 2", report)

    if image_size is None:
        image_size = int(min(max(np.median(sides), MIN_SIZE), limits.max_image_size))
        report.notes.append(
            f"image size {image_size} (median of the originals, at most {limits.max_image_size})"
        )
    gray = all(g for _, _, g in kept)
    if not gray and any(g for _, _, g in kept):
        report.notes.append("mixed gray and colour images: all converted to RGB")
    report.notes.append(f"images stretched to {image_size}×{image_size} (not cropped)")
    x = np.stack([to_array(img, image_size, gray) for _, img, _ in kept])  # (N, H, W, C)
    x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # (N, C, H, W)
    y = np.array([label for label, _, _ in kept], dtype=np.int64)
    report.counts = counts
    report.shape = x.shape
    return x, y, classes, report


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _extract_once(path: Path, work_dir: Path, limits: IngestLimits, report: DataReport) -> Path:
    """Extract into work_dir/<hash16>, or reuse a complete earlier extraction; return data root."""
    dest = work_dir / _sha256(path)[:16]
    marker = dest / MARKER
    if not marker.exists():
        tmp = work_dir / f".tmp-{uuid.uuid4().hex}"  # renamed into place only when complete
        try:
            fresh = DataReport(source=path.name)
            root = extract_zip(path, tmp, limits, fresh)
            meta = {"root": root.relative_to(tmp).as_posix(), "skipped": fresh.skipped}
            (tmp / MARKER).write_text(json.dumps(meta | {"notes": fresh.notes}))
            os.replace(tmp, dest)
        except OSError:
            if not marker.exists():  # else another session finished the same upload first
                raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    saved = json.loads(marker.read_text())
    report.skipped.extend(tuple(s) for s in saved["skipped"])
    report.notes.extend(saved["notes"])
    return dest / saved["root"]


def load_image_source(
    path: Path,
    *,
    work_dir: Path,
    image_size: int | None = None,
    limits: IngestLimits | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str], DataReport]:
    """Read class folders from a folder or from a .zip of them (extracted once under work_dir)."""
    path, limits = Path(path), limits or IngestLimits()
    report = DataReport(source=path.name)
    if path.is_dir():
        root = path
    elif path.is_file() and path.stat().st_size > MAX_UPLOAD_BYTES:  # before hashing it
        raise LabInputError(
            f"{path.name} is {path.stat().st_size / MB:.0f} MB; "
            f"the limit is {MAX_UPLOAD_BYTES / MB:.0f} MB"
        )
    elif path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)):
        work_dir.mkdir(parents=True, exist_ok=True)
        root = _extract_once(path, work_dir, limits, report)
    else:
        raise LabInputError(f"{path.name} is not a folder or a .zip of class folders")
    return read_image_folder(root, image_size=image_size, limits=limits, report=report)
