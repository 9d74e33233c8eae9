"""A drawing from the canvas (white ink on black), made to look like the run's training images.

A digit drawn in a 280-pixel box is thin, off-centre and mostly empty; the training digits fill
their frame. So the ink is cropped to its bounding box and scaled into a frame first. The
built-in digits are scikit-learn's 8x8 images (32x32 binary bitmaps counted in 4x4 blocks),
upsampled bilinearly to 28x28 (lepton_core.data.builtin.load_digits); a drawing for them goes
through that same 8x8 grid. Other image runs get a square crop with a margin, resized.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from lepton_core.data.images import flatten
from lepton_core.errors import LabInputError

INK = 0.1  # a pixel brighter than this counts as ink
BITMAP = 32  # side of the binary bitmaps the digits' 8x8 grid was counted from
DIGIT_WIDTH = (12, 24)  # a digit's width range in that bitmap: a "1" in the training set is
# about 3 cells wide, not a one-pixel line; most digits leave 1 cell free on each side
MARGIN = 0.15  # border kept around the ink on other image runs, as a share of its longer side
PHOTO_SIDE = 280  # photos are shrunk to this longer side first: the canvas's own size
PAPER_NOISE = 0.35  # after removing the paper, weaker ink than this is shadow or grain


@dataclass(frozen=True)
class DrawingStyle:
    """How a drawing becomes a model input: the output size and channels, and the grid if any."""

    size: int  # side of the model's (square) input
    channels: int  # 1: gray, 3: RGB
    grid: int | None = None  # the built-in digits' 8x8 grid, or None for a plain resize


def style_for(source: str, input_shape: tuple[int, ...]) -> DrawingStyle:
    """The drawing style of a run trained on `source` with inputs of `input_shape` (C, H, W)."""
    channels, size = int(input_shape[0]), int(input_shape[-1])
    return DrawingStyle(size, channels, grid=8 if source == "digits" else None)


def ink(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 3 or 4) uint8 canvas pixels -> (H, W) ink in [0, 1]; transparent counts as black."""
    a = np.asarray(rgba)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise LabInputError(f"expected an RGB or RGBA drawing, got an array of shape {a.shape}")
    rgb = a[..., :3].astype(np.float32).max(axis=2) / 255
    alpha = a[..., 3].astype(np.float32) / 255 if a.shape[2] == 4 else 1.0
    return rgb * alpha


def paper_ink(img: Image.Image) -> np.ndarray:
    """A photo or scan of a drawing -> (H, W, 3) uint8 white ink on black, the paper removed.

    Dark ink on light paper is inverted; the paper's brightness (the median) becomes black and the
    strongest ink white.
    """
    small = flatten(img).convert("L")
    small.thumbnail((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    gray = np.asarray(small, dtype=np.float32) / 255  # (H, W)
    if np.median(gray) > 0.5:
        gray = 1 - gray
    paper = float(np.median(gray))
    strength = np.clip((gray - paper) / max(float(gray.max()) - paper, 1e-3), 0, 1)
    strength[strength < PAPER_NOISE] = 0
    return np.repeat(np.round(strength * 255).astype(np.uint8)[..., None], 3, axis=2)


def ink_box(strength: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the ink, bottom/right exclusive; refuses an empty drawing."""
    rows = np.flatnonzero(strength.max(axis=1) > INK)
    cols = np.flatnonzero(strength.max(axis=0) > INK)
    if not len(rows):
        raise LabInputError("the canvas is empty: draw something first")
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _resize(a: np.ndarray, width: int, height: int) -> np.ndarray:
    """(H, W) floats in [0, 1] resized with Pillow's area-aware Lanczos filter."""
    img = Image.fromarray(np.round(a * 255).astype(np.uint8), mode="L")
    img = img.resize((max(1, width), max(1, height)), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.asarray(img, dtype=np.float32) / 255


def digit_grid(strength: np.ndarray, grid: int = 8) -> np.ndarray:
    """Cropped ink -> (grid, grid) in [0, 1], as the built-in digits were made: the digit fills
    the height of a 32x32 binary bitmap (its width kept within DIGIT_WIDTH), each 4x4 block
    averaged."""
    h, w = strength.shape
    narrowest, widest = DIGIT_WIDTH
    width = min(widest, max(narrowest, round(w * BITMAP / h)))
    bitmap = np.zeros((BITMAP, BITMAP), dtype=np.float32)
    left = (BITMAP - width) // 2
    bitmap[:, left : left + width] = _resize(strength, width, BITMAP) > 0.5
    block = BITMAP // grid
    return bitmap.reshape(grid, block, grid, block).mean(axis=(1, 3))


def framed(strength: np.ndarray, size: int) -> np.ndarray:
    """Cropped ink centred in a square with a margin, resized to (size, size) in [0, 1]."""
    h, w = strength.shape
    side = round(max(h, w) * (1 + 2 * MARGIN))
    square = np.zeros((side, side), dtype=np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    square[top : top + h, left : left + w] = strength
    return _resize(square, size, size)


def prepare_drawing(rgba: np.ndarray, style: DrawingStyle) -> Image.Image:
    """Canvas pixels (H, W, 3|4) -> an image of the model's input size, like its training data."""
    strength = ink(rgba)
    top, left, bottom, right = ink_box(strength)
    crop = strength[top:bottom, left:right]
    if style.grid:
        small = torch.from_numpy(digit_grid(crop, style.grid))[None, None]  # (1, 1, 8, 8)
        big = F.interpolate(
            small, size=(style.size, style.size), mode="bilinear", align_corners=False
        )
        out = big[0, 0].clamp(0, 1).numpy()
    else:
        out = framed(crop, style.size)
    img = Image.fromarray(np.round(out * 255).astype(np.uint8), mode="L")
    return img if style.channels == 1 else img.convert("RGB")
