"""The `shapes` built-in: seeded synthetic images of simple shapes, with object masks."""

import numpy as np

SHAPE_CLASSES = ("circle", "square", "triangle", "cross", "ring")


def _mask(kind: str, u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    """Boolean mask of one shape in coordinates (u, v) centred on the shape, radius r."""
    d2 = u**2 + v**2
    if kind == "circle":
        return d2 <= r**2
    if kind == "ring":
        return (d2 <= r**2) & (d2 >= (0.55 * r) ** 2)
    if kind == "square":
        return (np.abs(u) <= 0.8 * r) & (np.abs(v) <= 0.8 * r)
    if kind == "cross":
        arm = 0.3 * r
        return ((np.abs(u) <= r) & (np.abs(v) <= arm)) | ((np.abs(v) <= r) & (np.abs(u) <= arm))
    if kind == "triangle":  # equilateral, apex up in (u, v)
        h = 0.5 * r  # inradius
        edges = [(0.0, 1.0), (np.sqrt(3) / 2, -0.5), (-np.sqrt(3) / 2, -0.5)]
        inside = np.ones_like(u, dtype=bool)
        for nx, ny in edges:
            inside &= (u * nx - v * ny) <= h
        return inside
    raise ValueError(kind)


def _luma(rgb: np.ndarray) -> float:
    return float(rgb @ np.array([0.299, 0.587, 0.114]))


def make_shapes(
    n_per_class: int = 400, image_size: int = 32, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images float32 (N, 3, S, S) in [0, 1], labels int64 (N,), masks bool (N, S, S)."""
    rng = np.random.default_rng(seed)
    s = image_size
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) + 0.5
    n = n_per_class * len(SHAPE_CLASSES)
    labels = np.repeat(np.arange(len(SHAPE_CLASSES)), n_per_class)
    rng.shuffle(labels)
    images = np.empty((n, 3, s, s), dtype=np.float32)
    masks = np.empty((n, s, s), dtype=bool)
    for i, label in enumerate(labels):
        r = rng.uniform(0.2, 0.38) * s
        cx, cy = rng.uniform(r, s - r, size=2)
        angle = rng.uniform(0, 2 * np.pi)
        c, sn = np.cos(angle), np.sin(angle)
        dx, dy = xx - cx, cy - yy  # v points up
        u, v = c * dx + sn * dy, -sn * dx + c * dy
        mask = _mask(SHAPE_CLASSES[label], u, v, r)
        bg, fg = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        while abs(_luma(fg) - _luma(bg)) < 0.25:  # the shape must stand out in gray too
            fg = rng.uniform(0, 1, 3)
        img = bg[:, None, None] + rng.normal(0, 0.08, (3, s, s))
        img[:, mask] = fg[:, None] + rng.normal(0, 0.04, (3, int(mask.sum())))
        images[i] = np.clip(img, 0, 1)
        masks[i] = mask
    return images, labels.astype(np.int64), masks
