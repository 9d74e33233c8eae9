"""Malformed or unusual image files, generated on demand (no committed binaries).

One function per case, each returning the file's bytes. `IMAGE_CASES` lists the files a
upload must refuse (with the words its reason must contain); `ACCEPTED_CASES` the odd but
valid files that are read (first GIF frame, CMYK converted to RGB).
"""

import io
import struct
import zlib

from PIL import Image

from tests.data.bad_archives import good_images, make_zip

RED, BLUE = (255, 0, 0), (0, 0, 255)


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    """Image -> file bytes."""
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(w: int, h: int) -> bytes:
    """A PNG whose header declares w×h pixels, with only a few bytes of pixel data."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png_bomb() -> bytes:
    """Decompression bomb: 100,000 × 100,000 pixels declared (10 gigapixels)."""
    return png_declaring(100_000, 100_000)


def truncated_jpeg() -> bytes:
    """A JPEG cut off half way."""
    data = encode(Image.effect_noise((64, 64), 50).convert("RGB"), "JPEG", quality=90)
    return data[: len(data) // 2]


def text_as_png() -> bytes:
    """A text file that a user renamed to .png."""
    return b"name,age\nada,36\nalan,41\n" * 10


def zero_by_zero() -> bytes:
    """A PNG declaring 0×0 pixels."""
    return png_declaring(0, 0)


def one_by_20000() -> bytes:
    """A valid 1×20000 PNG: a line, not a picture."""
    return encode(Image.new("L", (1, 20_000), 128), "PNG")


def tiff_16bit() -> bytes:
    """A 16-bit grayscale TIFF (a format the lab does not read)."""
    return encode(Image.new("I;16", (16, 16), 40_000), "TIFF")


def animated_gif() -> bytes:
    """A two-frame animated GIF: red, then blue."""
    frames = [Image.new("RGB", (16, 16), c) for c in (RED, BLUE)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def cmyk_jpeg() -> bytes:
    """A CMYK JPEG of pure red (C=0, M=Y=100%, K=0)."""
    return encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95)


IMAGE_CASES = {
    "png_bomb": (png_bomb, "image too large"),
    "truncated_jpeg": (truncated_jpeg, "truncated or corrupt image"),
    "text_as_png": (text_as_png, "not an image file"),
    "zero_by_zero": (zero_by_zero, "empty image"),
    "one_by_20000": (one_by_20000, "too thin"),
    "tiff_16bit": (tiff_16bit, "TIFF"),
}
"""Refused files: case name -> (generator, the words its reason must contain)."""

ACCEPTED_CASES = {"animated_gif": (animated_gif, RED), "cmyk_jpeg": (cmyk_jpeg, RED)}
"""Odd but valid files: case name -> (generator, the colour they must decode to)."""


def zip_with(name: str, data: bytes) -> bytes:
    """A valid two-class zip plus one extra file red/<name>."""
    return make_zip(good_images() | {f"red/{name}": data})


def zip_of_only(name: str, data: bytes) -> bytes:
    """A zip whose every image is the same bad file (two per class): nothing is usable."""
    return make_zip({f"{c}/{i}-{name}": data for c in ("red", "blue") for i in range(2)})
