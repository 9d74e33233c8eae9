"""Heatmaps -> RGB arrays: a colour map and an overlay on the input image (no plotting library)."""

import numpy as np

# Anchor colours of two maps, interpolated linearly: "heat" for [0, 1], "diverging" for [-1, 1].
_HEAT = np.array([[0, 0, 0], [120, 28, 109], [237, 105, 37], [252, 255, 164]], dtype=float)
_DIVERGING = np.array([[33, 102, 172], [247, 247, 247], [178, 24, 43]], dtype=float)


def colorize(heat: np.ndarray, signed: bool = False) -> np.ndarray:
    """(H, W) map in [0, 1] (or [-1, 1] if signed) -> (H, W, 3) uint8."""
    anchors = _DIVERGING if signed else _HEAT
    t = (np.clip(heat, -1, 1) + 1) / 2 if signed else np.clip(heat, 0, 1)
    pos = t * (len(anchors) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(anchors) - 2)
    frac = (pos - lo)[..., None]
    rgb = anchors[lo] * (1 - frac) + anchors[lo + 1] * frac
    return rgb.round().astype(np.uint8)


def image_to_rgb(image: np.ndarray) -> np.ndarray:
    """(C, H, W) float in [0, 1] -> (H, W, 3) uint8."""
    img = np.clip(np.asarray(image, dtype=float), 0, 1)
    if img.shape[0] == 1:
        img = np.repeat(img, 3, axis=0)
    return (img.transpose(1, 2, 0) * 255).round().astype(np.uint8)


def overlay(image: np.ndarray, heat: np.ndarray, signed: bool = False, alpha: float = 0.8):
    """Blend the colourised heatmap over a gray copy of the image: (H, W, 3) uint8."""
    base = image_to_rgb(image).mean(axis=2, keepdims=True).repeat(3, axis=2)
    color = colorize(heat, signed).astype(float)
    weight = alpha * (np.abs(heat)[..., None] ** 0.5)  # strong attributions cover more
    return (base * (1 - weight) + color * weight).round().astype(np.uint8)
