"""Decode one uploaded image safely and turn it into a small uint8 array."""

import io
import struct
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from lepton_core.errors import LabInputError

FORMATS = ["PNG", "JPEG", "BMP", "GIF", "WEBP"]
GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16L", "I;16B", "I;16N"}
MAX_ASPECT = 50  # long side / short side; a 1×20000 strip is a line, not a picture
OTHER_FORMATS = {b"II*\x00": "TIFF", b"MM\x00*": "TIFF", b"8BPS": "Photoshop (PSD)"}


def _unidentified(source: io.BytesIO | Path) -> str:
    """Why Pillow could not identify a file, named from its first bytes where we can."""
    if isinstance(source, io.BytesIO):
        head = source.getvalue()[:24]
    else:
        with open(source, "rb") as f:
            head = f.read(24)
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) == 24:
        w, h = struct.unpack(">II", head[16:24])
        if w == 0 or h == 0:
            return f"empty image ({w}×{h} pixels)"
    kind = OTHER_FORMATS.get(head[:4], "")
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"avif"):
        kind = "HEIC/AVIF"
    if kind:
        return f"not an image file the lab reads: {kind} (use PNG, JPEG, BMP, GIF or WebP)"
    return "not an image file (PNG, JPEG, BMP, GIF or WebP)"


def decode_image(data: bytes | Path, *, max_pixels: int = 40_000_000) -> Image.Image:
    """Open, check and fully load one image (first frame, EXIF-rotated), or raise LabInputError."""
    source = io.BytesIO(data) if isinstance(data, bytes) else Path(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=FORMATS) as img:
                w, h = img.size
                if w <= 0 or h <= 0:
                    raise LabInputError("empty image (0 pixels)")
                if max(w, h) > MAX_ASPECT * min(w, h):
                    raise LabInputError(
                        f"image too thin ({w}×{h} pixels; the long side may be at most "
                        f"{MAX_ASPECT}× the short one)"
                    )
                if w * h > max_pixels:
                    raise LabInputError(f"image too large ({w}×{h} pixels, limit {max_pixels:,})")
                img.seek(0)  # animated GIF/WebP: first frame only
                img.load()  # truncated files fail here, not later
                return ImageOps.exif_transpose(img)  # a copy, detached from the file
    except LabInputError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise LabInputError(f"image too large (limit {max_pixels:,} pixels)") from None
    except UnidentifiedImageError:
        raise LabInputError(_unidentified(source)) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error):
        raise LabInputError("truncated or corrupt image") from None


def flatten(img: Image.Image) -> Image.Image:
    """An 8-bit L or RGB copy: alpha composited on white, 16-bit scaled down, CMYK/1/P converted."""
    if img.mode in GRAY_MODES - {"1", "L", "LA"}:  # 16/32-bit gray
        a = np.asarray(img).astype(np.float64)
        a = np.clip(a, 0, 65535) * (255 / 65535)
        return Image.fromarray(np.round(a).astype(np.uint8), mode="L")
    if img.mode in ("1", "L"):
        return img.convert("L")
    if img.mode in ("RGBA", "LA", "PA", "P", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        out = Image.alpha_composite(white, rgba)
        return out.convert("L" if img.mode in ("LA", "La") else "RGB")
    return img.convert("RGB")


def is_gray(img: Image.Image) -> bool:
    """True for grayscale modes and for colour images whose three channels are all equal."""
    if img.mode in GRAY_MODES:
        return True
    a = np.asarray(flatten(img))
    return a.ndim == 2 or bool((a[..., 0] == a[..., 1]).all() and (a[..., 1] == a[..., 2]).all())


def to_array(img: Image.Image, size: int, gray: bool) -> np.ndarray:
    """Resize to size×size (stretched to square, never cropped); uint8 (size, size, 1 or 3)."""
    flat = flatten(img).convert("L" if gray else "RGB")
    small = flat.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    a = np.asarray(small, dtype=np.uint8)
    return a[..., None] if gray else a
