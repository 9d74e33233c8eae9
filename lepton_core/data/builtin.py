"""Built-in datasets registry. Each loader returns arrays; load_dataset splits them."""

from dataclasses import dataclass

import numpy as np

from lepton_core.data.report import DataReport
from lepton_core.data.shapes import SHAPE_CLASSES, make_shapes
from lepton_core.registry import Registry


@dataclass
class RawImages:
    """Unsplit images float32 (N, C, H, W) in [0, 1], labels, classes and the report."""

    x: np.ndarray
    y: np.ndarray
    classes: list[str]
    report: DataReport
    masks: np.ndarray | None = None


@dataclass
class BuiltinDataset:
    """A registry entry: what it is, its task, and its loader."""

    name: str
    task: str
    description: str
    load: callable


DATASETS: Registry[BuiltinDataset] = Registry("dataset")


def _report(name: str, x: np.ndarray, y: np.ndarray, classes: list[str]) -> DataReport:
    counts = {c: int((y == i).sum()) for i, c in enumerate(classes)}
    return DataReport(source=name, counts=counts, shape=tuple(x.shape))


def load_digits(image_size: int = 28) -> RawImages:
    """scikit-learn's 1,797 real 8x8 handwritten digits, upsampled to 28x28 gray."""
    import torch
    import torch.nn.functional as F
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    x = torch.from_numpy(d.images.astype(np.float32) / 16.0)[:, None]  # (N, 1, 8, 8)
    x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False)
    x = x.clamp(0, 1).numpy()
    y = d.target.astype(np.int64)
    classes = [str(i) for i in range(10)]
    return RawImages(x, y, classes, _report("digits", x, y, classes))


def load_shapes(n_per_class: int = 400, image_size: int = 32, seed: int = 0) -> RawImages:
    """Generated shapes on noisy backgrounds, keeping each object mask."""
    x, y, masks = make_shapes(n_per_class=n_per_class, image_size=image_size, seed=seed)
    classes = list(SHAPE_CLASSES)
    return RawImages(x, y, classes, _report("shapes", x, y, classes), masks)


DATASETS.register("digits")(
    BuiltinDataset(
        "digits",
        "image-classification",
        "1,797 real handwritten digits 0-9 (scikit-learn), 28x28 gray",
        load_digits,
    )
)
DATASETS.register("shapes")(
    BuiltinDataset(
        "shapes",
        "image-classification",
        "generated circles, squares, triangles, crosses and rings in colour, 32x32 RGB",
        load_shapes,
    )
)
