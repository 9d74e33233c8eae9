"""Built-in datasets registry: each entry's `load(source, **options)` returns a LabDataset."""

from dataclasses import dataclass

import numpy as np

from lepton_core.data.report import DataReport
from lepton_core.data.series import builtin_series
from lepton_core.data.shapes import SHAPE_CLASSES, make_shapes
from lepton_core.data.tables import builtin_table
from lepton_core.errors import LabInputError
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


def _images(raw_loader):
    """Wrap a raw image loader so it returns a split LabDataset."""

    def load(source: str, **options):
        from lepton_core.data.images_split import split_images

        split = {k: options.pop(k) for k in ("val", "test", "split_seed") if k in options}
        try:
            raw = raw_loader(**options)
        except TypeError as e:
            raise LabInputError(f"bad option for dataset {source!r}: {e}") from None
        return split_images(source, raw, options, **split)

    return load


def _series_description(name: str) -> str:
    from lepton_core.data.timeseries import SERIES

    return SERIES.get(name).description


def _register(name: str, task: str, description: str, load) -> None:
    DATASETS.register(name)(BuiltinDataset(name, task, description, load))


IMAGE, TABLE_C, TABLE_R, SERIES = (
    "image-classification", "tabular-classification", "tabular-regression", "forecasting"
)  # fmt: skip
_register("digits", IMAGE, "1,797 real handwritten digits 0-9 (scikit-learn), 28x28 gray",
          _images(load_digits))  # fmt: skip
_register("shapes", IMAGE,
          "generated circles, squares, triangles, crosses and rings in colour, 32x32 RGB",
          _images(load_shapes))  # fmt: skip
_register("breast-cancer", TABLE_C, "569 tumours, 30 measurements: malignant or benign (sklearn)",
          builtin_table("breast-cancer"))  # fmt: skip
_register("wine", TABLE_C, "178 wines, 13 chemical measurements: 3 cultivars (sklearn)",
          builtin_table("wine"))  # fmt: skip
_register("diabetes", TABLE_R, "442 patients, 10 features: disease progression a year later",
          builtin_table("diabetes"))  # fmt: skip
for _name, _lookback in (("seasonal", 48), ("stocks", 12), ("goog", 30)):
    _register(_name, SERIES, _series_description(_name), builtin_series(_name, _lookback))
