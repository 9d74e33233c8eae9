"""Write the demo upload: a zip of red/green/blue class folders with coloured blobs on noise.

Its output is committed as assets/sample_upload.zip (run: python tests/data/make_sample_zip.py).
It also holds one corrupt file (sample/red/corrupt.png) and a __MACOSX/ entry, so the Data page
shows what a real upload's skipped and ignored files look like.
"""

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

COLOURS = {"red": (220, 40, 40), "green": (40, 180, 60), "blue": (50, 70, 220)}
PER_CLASS = 15
SIZE = 32
STAMP = (2024, 1, 1, 0, 0, 0)  # fixed timestamps: the same zip bytes on every run


def _blob(rng: np.random.Generator, colour: tuple[int, int, int]) -> bytes:
    """PNG bytes of one 32×32 image: a soft disc of the colour at a random spot, on noise."""
    noise = rng.integers(60, 110, size=(SIZE, SIZE, 3)).astype(np.float64)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    cy, cx = rng.uniform(8, SIZE - 8, size=2)
    r = rng.uniform(5, 10)
    mask = np.clip(r - np.hypot(yy - cy, xx - cx), 0, 1)[..., None]  # (H, W, 1), 1 inside
    img = noise * (1 - mask) + np.array(colour) * mask
    buf = io.BytesIO()
    Image.fromarray(img.astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Add one deflated entry with a fixed timestamp."""
    zf.writestr(zipfile.ZipInfo(name, STAMP), data, compress_type=zipfile.ZIP_DEFLATED)


def make_sample_zip(out: Path) -> Path:
    """Write the sample upload zip to out and return out."""
    rng = np.random.default_rng(0)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        for name, colour in COLOURS.items():
            for i in range(PER_CLASS):
                _add(zf, f"sample/{name}/{name}_{i:02d}.png", _blob(rng, colour))
        _add(zf, "sample/red/corrupt.png", rng.bytes(600))
        _add(zf, "__MACOSX/sample/red/._red_00.png", b"\x00\x05\x16\x07 macOS resource fork")
    return out


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "assets" / "sample_upload.zip"
    path = make_sample_zip(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
    print(f"wrote {path} ({path.stat().st_size / 1000:.0f} kB)")
