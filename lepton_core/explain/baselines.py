"""Baselines for path methods (Integrated Gradients, DeepLift): the input that means "nothing".

Images are in [0, 1] (B, C, H, W); tables (B, F) and series windows (B, T, F) are standardised,
so their all-zero row is the training average.
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lepton_core.errors import LabInputError
from lepton_core.models.lab_model import Normalize

BASELINES = {
    "black": "an all-black image (for tables and series: the average row, all features at 0)",
    "blurred": "a heavily blurred copy of the input: the shapes are gone, the colours stay",
    "noise": "random noise, the same every time (for tables and series: standard-normal values)",
    "mean": "the training images' average colour (for tables and series: the average row)",
}


def make_baseline(kind: str, model: nn.Module, inputs: Tensor, seed: int = 0) -> Tensor:
    """Baseline `kind` for the batch `inputs`, shaped like it, on its device."""
    if kind not in BASELINES:
        raise LabInputError(f"unknown baseline {kind!r}; choose one of: {', '.join(BASELINES)}")
    image = inputs.ndim == 4
    if kind == "black" or (kind == "mean" and not image):
        return torch.zeros_like(inputs)
    if kind == "mean":
        return training_mean(model).to(inputs).expand_as(inputs).clone()
    if kind == "noise":
        gen = torch.Generator().manual_seed(seed)
        draw = torch.rand if image else torch.randn
        noise = draw(inputs.shape[1:], generator=gen).to(inputs)  # one draw for every example
        return noise.expand_as(inputs).clone()
    if inputs.ndim == 2:
        raise LabInputError("the blurred baseline needs images or time series, not table rows")
    dims = (2, 3) if image else (1,)  # blur over height and width, or over time
    sigma = max(1.0, min(inputs.shape[d] for d in dims) / 8)
    return gaussian_blur(inputs, sigma, dims)


def training_mean(model: nn.Module) -> Tensor:
    """Per-channel mean (1, C, 1, 1) from the model's Normalize: the image that normalises to 0."""
    norm = next((m for m in model.modules() if isinstance(m, Normalize)), None)
    if norm is None:
        raise LabInputError(
            "the mean baseline needs a Lepton Lab image model, which records its training mean"
        )
    return norm.mean.detach()


def gaussian_blur(x: Tensor, sigma: float, dims: tuple[int, ...]) -> Tensor:
    """`x` blurred by a Gaussian of std `sigma` along each of `dims`, edges replicated."""
    radius = max(1, int(3 * sigma))
    kernel = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-0.5 * (kernel / sigma) ** 2)
    kernel = (kernel / kernel.sum()).view(1, 1, -1)
    for d in dims:
        moved = x.movedim(d, -1)
        rows = moved.reshape(-1, 1, moved.shape[-1])  # (N, 1, L): one signal per row
        rows = F.conv1d(F.pad(rows, (radius, radius), mode="replicate"), kernel)
        x = rows.reshape(moved.shape).movedim(-1, d)
    return x
