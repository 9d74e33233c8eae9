"""The Explain page's grid: chosen images × chosen methods, its PNG, and per-class averages."""

import io
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS, attribute, to_heatmap
from lepton_core.explain.render import image_to_rgb, overlay


def is_signed(method: str) -> bool:
    """Whether `method`'s maps carry a sign (raise vs lower the score)."""
    return bool(getattr(EXPLAIN_METHODS.get(method), "signed", False))


def resolve_targets(model: nn.Module, x: Tensor, y: Tensor, target) -> tuple[Tensor, Tensor]:
    """(class probabilities, classes to explain): target is "predicted", "true" or a class index."""
    with torch.no_grad():
        probs = torch.softmax(model(x), dim=1)
    predicted = probs.argmax(dim=1)
    if target == "predicted":
        return probs, predicted
    if target == "true":
        return probs, y.clone()
    n_classes = probs.shape[1]
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < n_classes:
        raise LabInputError(
            f"target must be 'predicted', 'true' or a class index 0-{n_classes - 1}: {target!r}"
        )
    return probs, torch.full_like(predicted, target)


@dataclass
class ExplainGrid:
    """Attributions of `methods` for test images `indices`, as (images, methods, C, H, W)."""

    indices: list[int]
    methods: list[str]
    images: np.ndarray  # (N, C, H, W) in [0, 1]
    true: np.ndarray  # (N,)
    probs: np.ndarray  # (N, n_classes)
    targets: np.ndarray  # (N,) the class each map explains
    attributions: np.ndarray  # (N, M, C, H, W) float32

    @property
    def predicted(self) -> np.ndarray:
        """(N,) the predicted classes."""
        return self.probs.argmax(axis=1)

    def heatmap(self, row: int, col: int, signed: bool) -> np.ndarray:
        """(H, W) map in [0, 1], or [-1, 1] when signed and the method has a sign."""
        signed = signed and is_signed(self.methods[col])
        return to_heatmap(torch.from_numpy(self.attributions[row, col]), signed=signed)

    def overlay(self, row: int, col: int, signed: bool) -> np.ndarray:
        """(H, W, 3) uint8: the heatmap over a gray copy of the image."""
        signed = signed and is_signed(self.methods[col])
        return overlay(self.images[row], self.heatmap(row, col, signed), signed=signed)


def explain_grid(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    indices: list[int],
    methods: list[str],
    target,
    options: dict[str, dict] | None = None,
) -> ExplainGrid:
    """Every chosen method on every chosen test image (one batched call per method).

    `options` maps a method to its keyword options, e.g. {"grad-cam": {"layer": "net.0"}}.
    """
    if not indices or not methods:
        raise LabInputError("choose at least one image and one method")
    images = x[indices]
    probs, targets = resolve_targets(model, images, y[indices], target)
    options = options or {}
    attrs = [attribute(model, images, m, targets, **options.get(m, {})).numpy() for m in methods]
    return ExplainGrid(
        list(indices),
        list(methods),
        images.numpy(),
        y[indices].numpy(),
        probs.numpy(),
        targets.numpy(),
        np.stack(attrs, axis=1).astype(np.float32),
    )


def grid_png(grid: ExplainGrid, signed: bool, scale: int = 4) -> bytes:
    """The grid as one PNG: a row per image (input first), a column per method."""
    from PIL import Image

    n, m = len(grid.indices), len(grid.methods)
    h, w = grid.images.shape[2:]
    pad = 2
    canvas = np.full(((h + pad) * n + pad, (w + pad) * (m + 1) + pad, 3), 255, np.uint8)
    for r in range(n):
        cells = [image_to_rgb(grid.images[r])] + [grid.overlay(r, c, signed) for c in range(m)]
        for c, cell in enumerate(cells):
            top, left = pad + r * (h + pad), pad + c * (w + pad)
            canvas[top : top + h, left : left + w] = cell
    big = canvas.repeat(scale, axis=0).repeat(scale, axis=1)
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="PNG")
    return buf.getvalue()


def grid_npy(grid: ExplainGrid) -> bytes:
    """The raw attributions (images, methods, C, H, W) as .npy bytes (no pickle inside)."""
    buf = io.BytesIO()
    np.save(buf, grid.attributions, allow_pickle=False)
    return buf.getvalue()


def class_average(
    model: nn.Module, x: Tensor, y: Tensor, method: str, per_class: int = 16
) -> np.ndarray:
    """Mean |attribution| map (n_classes, H, W) of each true class, over up to `per_class`
    test images of it, each explaining its own true class; every map scaled to [0, 1]."""
    n_classes = int(y.max()) + 1
    maps = []
    for k in range(n_classes):
        idx = torch.nonzero(y == k).flatten()[:per_class]
        if len(idx) == 0:
            maps.append(np.zeros(x.shape[2:], np.float32))
            continue
        attr = attribute(model, x[idx], method, torch.full((len(idx),), k))
        mean = attr.abs().sum(dim=1).mean(dim=0).numpy()  # (H, W)
        maps.append((mean / (mean.max() or 1.0)).astype(np.float32))
    return np.stack(maps)
