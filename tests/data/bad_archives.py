"""Malformed zip uploads, generated on demand (no committed binaries): one function per case.

Each case returns the zip's bytes. `good_images()` gives a small valid dataset (two class
folders) that a case can mix its bad entries into. `oversized_zip(path)` writes a valid zip
larger than the upload cap as a sparse file (no disk or RAM spent on it).
"""

import io
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

STAMP = (2024, 1, 1, 0, 0, 0)
MB = 1_000_000
COLOURS = {"red": (220, 40, 40), "blue": (40, 60, 220)}


def png(colour: tuple[int, int, int], size: int = 12) -> bytes:
    """PNG bytes of a one-colour square."""
    buf = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buf, format="PNG")
    return buf.getvalue()


def good_images(per_class: int = 3) -> dict[str, bytes]:
    """A valid two-class dataset: red/0.png ... blue/2.png."""
    return {f"{c}/{i}.png": png(rgb) for c, rgb in COLOURS.items() for i in range(per_class)}


def make_zip(files: dict[str, bytes] | Iterable[tuple[str, bytes]]) -> bytes:
    """An ordinary deflated zip of (name, bytes); names are written exactly as given."""
    items = files.items() if isinstance(files, dict) else files
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(zipfile.ZipInfo(name, STAMP), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand from (name, deflated bytes, crc, declared size, external_attr),
    so sizes can lie and one compressed stream can be reused for many entries."""
    out, central = bytearray(), bytearray()
    for name, comp, crc, size, attr in entries:
        raw = name.encode()
        offset = len(out)
        sizes = (crc, len(comp), size, len(raw), 0)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, *sizes) + raw + comp
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, 0, 8, 0, 0x21, *sizes[:4], 0, 0, 0, 0,
            attr, offset,
        ) + raw  # fmt: skip
    n = len(entries)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), len(out), 0)
    return bytes(out + central + end)


def deflate(data: bytes) -> bytes:
    """Raw deflate (what a zip entry holds)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


# ---- the cases


def zip_slip() -> bytes:
    """Entries that climb out of the upload folder with '../'."""
    return make_zip({"../../x/a.png": png(COLOURS["red"]), "cat/../../../evil.png": b"x"})


def absolute_paths() -> bytes:
    """Entries with absolute names (POSIX and Windows drive)."""
    return make_zip({"/etc/evil/a.png": png(COLOURS["red"]), "C:/evil/b.png": b"x"})


def symlinks() -> bytes:
    """Entries that are symbolic links (to /etc/passwd and to a parent folder)."""
    attr = (stat.S_IFLNK | 0o777) << 16
    entries = []
    for name, target in (("red/link.png", b"/etc/passwd"), ("blue/up.png", b"../../..")):
        entries.append((name, deflate(target), zlib.crc32(target), len(target), attr))
    return raw_zip(entries)


def bomb_ratio(entries: int = 12, each_mb: int = 50) -> bytes:
    """A high-ratio bomb: entries of 50 MB of zeros (about 1000:1), 600 MB in all, in ~0.6 MB."""
    data = bytes(each_mb * MB)
    comp, crc = deflate(data), zlib.crc32(data)
    return raw_zip([(f"c{i % 2}/{i}.png", comp, crc, len(data), 0) for i in range(entries)])


def bomb_lying_sizes(entries: int = 4, each_mb: int = 20) -> bytes:
    """A bomb whose headers claim 1 kB per entry while each entry inflates to 20 MB."""
    data = bytes(each_mb * MB)
    comp, crc = deflate(data), zlib.crc32(data)
    return raw_zip([(f"c{i % 2}/{i}.png", comp, crc, 1000, 0) for i in range(entries)])


def bomb_entries(n: int = 20_001) -> bytes:
    """A bomb by sheer number of entries (one over the 20,000 cap), each holding 1 byte."""
    comp, crc = deflate(b"x"), zlib.crc32(b"x")
    return raw_zip([(f"c{i % 2}/{i}.png", comp, crc, 1, 0) for i in range(n)])


def nested_zips() -> bytes:
    """A zip of zips: the class folders hold .zip files instead of images."""
    inner = make_zip(good_images())
    return make_zip({"red/part1.zip": inner, "blue/part2.zip": inner, "all.zip": inner})


ARCHIVE_CASES = {
    "zip_slip": (zip_slip, "unsafe path (points outside the upload)"),
    "absolute_paths": (absolute_paths, "unsafe path (points outside the upload)"),
    "symlinks": (symlinks, "unsafe path (symbolic link)"),
    "bomb_ratio": (bomb_ratio, "unpacks to 600 MB; the limit is 500 MB"),
    "bomb_lying_sizes": (bomb_lying_sizes, "damaged zip entry"),
    "bomb_entries": (bomb_entries, "has 20,001 entries; the limit is 20,000"),
    "nested_zips": (nested_zips, "zip inside the zip"),
}
"""case name -> (generator, the words the user's message must contain)."""


def oversized_zip(path: Path, size: int = 201 * 2**20) -> Path:
    """Write a valid zip of good images that is `size` bytes long: a sparse run of zeros,
    then the zip (readers find a zip by its end record, so leading bytes are allowed)."""
    data = make_zip(good_images())
    with open(path, "wb") as f:
        f.truncate(size - len(data))
        f.seek(size - len(data))
        f.write(data)
    return path
