"""Write a small 3-class upload for fine-tuning: mirrored handwritten digits, 28x28 gray PNGs.

The classes are glyphs that are not digits 0-9: a 2, a 3 and a 7 written backwards (mirrored
left to right), taken from scikit-learn's handwritten digits and each redrawn with a random
small rotation, shift and stroke weight. A digits model has learned strokes like these; a model
from scratch sees only the 20 images per class.
(run: python tests/data/make_finetune_zip.py OUT.zip)
"""

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

GLYPHS = {"mirror-2": 2, "mirror-3": 3, "mirror-7": 7}  # class folder -> the digit mirrored
PER_CLASS = 20
SIZE = 28
STAMP = (2024, 1, 1, 0, 0, 0)  # fixed timestamps: the same zip bytes on every run


def _glyph(rng: np.random.Generator, digit: np.ndarray) -> bytes:
    """PNG bytes of one mirrored digit (8x8 in 0..16), upsampled and randomly distorted."""
    img = Image.fromarray((digit[:, ::-1] * 255 / 16).astype(np.uint8)).resize(
        (SIZE, SIZE), Image.Resampling.BILINEAR
    )
    img = img.rotate(
        rng.uniform(-12, 12),
        resample=Image.Resampling.BILINEAR,
        translate=tuple(rng.integers(-2, 3, size=2).tolist()),
    )
    if rng.random() < 0.5:  # a heavier pen
        img = img.filter(ImageFilter.MaxFilter(3))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def make_finetune_zip(out: Path, per_class: int = PER_CLASS, seed: int = 0) -> Path:
    """Write the zip (one folder per class) to `out` and return `out`."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        for name, digit in GLYPHS.items():
            pool = np.flatnonzero(digits.target == digit)
            for i, k in enumerate(rng.choice(pool, size=per_class, replace=False)):
                info = zipfile.ZipInfo(f"glyphs/{name}/{name}_{i:02d}.png", STAMP)
                zf.writestr(info, _glyph(rng, digits.images[k]), zipfile.ZIP_DEFLATED)
    return out


if __name__ == "__main__":
    path = make_finetune_zip(Path(sys.argv[1] if len(sys.argv) > 1 else "finetune_upload.zip"))
    print(f"wrote {path} ({path.stat().st_size / 1000:.0f} kB)")
