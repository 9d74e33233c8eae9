"""Drawings from the canvas, made to look like the training images (lepton_core.drawing)."""

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sklearn.datasets import load_digits as sklearn_digits

from lepton_core.data.builtin import load_digits
from lepton_core.drawing import DrawingStyle, paper_ink, prepare_drawing, style_for
from lepton_core.errors import LabInputError

DIGITS = DrawingStyle(28, 1, grid=8)


def as_canvas(ink: np.ndarray, side: int = 400, at: tuple[int, int] = (100, 30)) -> np.ndarray:
    """(h, w) ink in [0, 1] placed on a larger black RGBA canvas at (top, left)."""
    canvas = np.zeros((side, side), dtype=np.float32)
    h, w = ink.shape
    canvas[at[0] : at[0] + h, at[1] : at[1] + w] = ink
    rgb = np.repeat(np.round(canvas * 255).astype(np.uint8)[..., None], 3, axis=2)
    return np.dstack([rgb, np.full(canvas.shape, 255, np.uint8)])


def strokes(size: int = 280, width: int = 22) -> Image.Image:
    """A "7" drawn in white on a black square."""
    img = Image.new("L", (size, size), 0)
    ImageDraw.Draw(img).line([(80, 50), (200, 50), (120, 240)], fill=255, width=width)
    return img


def pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.float32) / 255


def test_training_digits_drawn_big_and_off_centre_come_back_as_they_were_trained() -> None:
    """The independent truth is the training set itself: a digit blown up to 256 px and placed
    off-centre on a canvas must come back close to its own 28x28 training image, and much closer
    than a plain crop-and-resize gets."""
    raw = sklearn_digits().images / 16  # (N, 8, 8)
    trained = load_digits().x[:, 0]  # (N, 28, 28): what the model trains on
    plain = DrawingStyle(28, 1)
    corr = {"grid": [], "plain": []}
    for i in range(0, len(raw), 45):
        canvas = as_canvas(np.kron(raw[i], np.ones((32, 32))))  # each cell a 32x32 block
        for name, style in (("grid", DIGITS), ("plain", plain)):
            out = pixels(prepare_drawing(canvas, style))
            corr[name].append(np.corrcoef(out.ravel(), trained[i].ravel())[0, 1])
    assert np.median(corr["grid"]) > 0.9
    assert np.median(corr["grid"]) > np.median(corr["plain"]) + 0.1


def test_the_digit_fills_the_height_and_is_centred_like_the_training_digits() -> None:
    small = pixels(prepare_drawing(as_canvas(pixels(strokes()), at=(5, 110)), DIGITS))
    rows, cols = small.max(axis=1) > 0.1, small.max(axis=0) > 0.1
    assert rows[1] and rows[-2]  # top to bottom, as every training digit is
    left, right = np.flatnonzero(cols)[[0, -1]]
    assert abs((left + right) / 2 - 13.5) <= 1.5


def test_transparent_background_counts_as_black() -> None:
    opaque = np.asarray(strokes().convert("RGBA"))
    clear = opaque.copy()
    clear[..., 3] = np.asarray(strokes())  # only the ink is opaque
    assert np.array_equal(pixels(prepare_drawing(opaque, DIGITS)),
                          pixels(prepare_drawing(clear, DIGITS)))  # fmt: skip


@pytest.mark.parametrize("alpha", [255, 0])
def test_an_empty_canvas_is_refused_in_plain_words(alpha: int) -> None:
    blank = np.zeros((280, 280, 4), np.uint8)
    blank[..., 3] = alpha
    with pytest.raises(LabInputError, match="the canvas is empty"):
        prepare_drawing(blank, DIGITS)


def test_other_runs_get_a_framed_square_of_their_own_size_and_channels() -> None:
    style = style_for("shapes", (3, 32, 32))
    assert style == DrawingStyle(32, 3, grid=None)
    bar = np.zeros((280, 280, 4), np.uint8)
    bar[130:150, 40:240] = 255  # a wide, flat bar: its shape must survive (no stretching)
    out = prepare_drawing(bar, style)
    assert out.size == (32, 32) and out.mode == "RGB"
    rows = np.flatnonzero(pixels(out.convert("L")).max(axis=1) > 0.3)
    assert len(rows) <= 6 and abs(rows.mean() - 15.5) <= 1.5  # thin and vertically centred
    assert style_for("digits", (1, 28, 28)).grid == 8


def test_a_photo_of_dark_ink_on_paper_reads_like_the_same_drawing() -> None:
    rng = np.random.default_rng(0)
    paper = 0.85 + 0.05 * rng.standard_normal((600, 600))  # light, grainy paper
    paper[100:500, 100:500] -= 0.7 * pixels(strokes(400, 30))  # dark ink
    photo = Image.fromarray(np.round(np.clip(paper, 0, 1) * 255).astype(np.uint8))
    from_photo = pixels(prepare_drawing(paper_ink(photo), DIGITS))
    drawn = pixels(prepare_drawing(np.asarray(strokes().convert("RGBA")), DIGITS))
    assert np.corrcoef(from_photo.ravel(), drawn.ravel())[0, 1] > 0.9
