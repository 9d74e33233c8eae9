"""Perturbation methods: hide parts of the input and watch the chosen output change.

Images are hidden region by region (a sliding square, or superpixels) with black; table and
series values with 0, their standardised training average. Perturbed copies are batched.
"""

import math

import numpy as np
import torch
from captum._utils.models.linear_model import SkLearnRidge
from captum.attr import FeatureAblation, KernelShap, Lime, Occlusion
from skimage.segmentation import slic
from torch import Tensor, nn

from lepton_core.explain.methods import (
    ALL_TASKS,
    ExplainMethod,
    Option,
    is_image_batch,
    per_example,
    register,
)

PASS_ELEMENTS = 2**16  # values per forward pass (perturbations × batch); bigger was slower here
MIN_SLIC_SIZE = 16  # smaller images are cut into a grid of squares instead of superpixels
SEGMENTS = Option(int, 40, "how many regions (superpixels) an image is cut into", bounds=(4, 400))


def per_pass(inputs: Tensor) -> int:
    """Perturbations evaluated in one forward pass, for this batch."""
    return max(1, PASS_ELEMENTS // inputs.numel())


def superpixels(images: Tensor, n_segments: int) -> Tensor:
    """(B, C, H, W) in [0, 1] -> (B, 1, H, W) region ids 0..k-1 per image.

    SLIC (deterministic: it starts from a grid), or a grid of squares for images under 16 pixels
    or a SLIC that finds a single region.
    """
    masks = [segments(img.detach().cpu().numpy(), n_segments) for img in images]
    return torch.from_numpy(np.stack(masks))[:, None].to(images.device)


def segments(image: np.ndarray, n_segments: int) -> np.ndarray:
    """(C, H, W) -> (H, W) int64 labels 0..k-1."""
    c, h, w = image.shape
    labels = None
    if min(h, w) >= MIN_SLIC_SIZE:
        pixels = image[0] if c == 1 else image.transpose(1, 2, 0)
        labels = slic(
            pixels.astype(np.float64),
            n_segments=n_segments,
            compactness=10.0 if c == 3 else 0.1,  # colour distance in Lab units, or in [0, 1]
            start_label=0,
            convert2lab=c == 3,
            channel_axis=None if c == 1 else -1,
        )
    if labels is None or labels.max() == labels.min():
        side = max(1, round(math.sqrt(h * w / n_segments)))
        cols = -(-w // side)
        labels = (np.arange(h)[:, None] // side) * cols + np.arange(w)[None, :] // side
    return np.unique(labels, return_inverse=True)[1].reshape(h, w).astype(np.int64)


@register
class OcclusionMethod(ExplainMethod):
    name = "occlusion"
    label = "Occlusion"
    description = (
        "How much the chosen output drops (red) or rises (blue) when a small black square "
        "hides each part of the image."
    )
    signed = True
    options = {
        "window": Option(
            int, None, "side of the hiding square in pixels (default: 1/7 of the image)",
            bounds=(1, 512),
        ),
    }  # fmt: skip

    def attribute(
        self, model: nn.Module, inputs: Tensor, target: Tensor, window: int | None
    ) -> Tensor:
        """Output drop under a sliding black window, half a window per step."""
        channels, height, width = inputs.shape[1:]
        window = min(window or max(2, round(height / 7)), height, width)
        stride = max(1, window // 2)
        return Occlusion(model).attribute(
            inputs,
            sliding_window_shapes=(channels, window, window),
            strides=(channels, stride, stride),
            baselines=0.0,
            target=target,
            perturbations_per_eval=per_pass(inputs),
        )


@register
class FeatureAblationMethod(ExplainMethod):
    name = "feature-ablation"
    label = "Feature Ablation"
    description = (
        "How much the chosen output changes when one part of the input is removed: an image "
        "region (superpixel) turned black, or one value replaced by its average."
    )
    signed = True
    tasks = ALL_TASKS
    options = {"n_segments": SEGMENTS}

    def attribute(
        self, model: nn.Module, inputs: Tensor, target: Tensor, n_segments: int
    ) -> Tensor:
        """Output change per superpixel (images) or per value (tables, series) set to 0."""
        mask = superpixels(inputs, n_segments) if is_image_batch(inputs) else None
        return FeatureAblation(model).attribute(
            inputs,
            baselines=0.0,
            target=target,
            feature_mask=mask,
            perturbations_per_eval=per_pass(inputs),
        )


class SurrogateMethod(ExplainMethod):
    """A linear model fitted, per example, to the outputs of randomly hidden regions or values."""

    signed = True
    tasks = ALL_TASKS
    options = {
        "n_samples": Option(int, 200, "randomly hidden copies per example", bounds=(20, 5000)),
        "n_segments": SEGMENTS,
    }

    def explainer(self, model: nn.Module) -> KernelShap | Lime:
        """The captum explainer."""
        raise NotImplementedError

    def attribute(
        self, model: nn.Module, inputs: Tensor, target: Tensor, n_samples: int, n_segments: int
    ) -> Tensor:
        """The surrogate's weight for each region or value, spread over its pixels."""
        explainer = self.explainer(model)

        def one(x: Tensor, t: Tensor) -> Tensor:
            mask = superpixels(x, n_segments) if is_image_batch(x) else None
            return explainer.attribute(
                x,
                baselines=0.0,
                target=t,
                feature_mask=mask,
                n_samples=n_samples,
                perturbations_per_eval=min(n_samples, per_pass(x)),
            )

        return per_example(one, inputs, target)


@register
class KernelShapMethod(SurrogateMethod):
    name = "kernel-shap"
    label = "Kernel SHAP"
    description = (
        "Each image region's (or value's) fair share of the chosen output, estimated from "
        "the model's answers with random regions hidden: SHAP values."
    )

    def explainer(self, model: nn.Module) -> KernelShap:
        """Kernel SHAP: the Shapley kernel and a linear regression."""
        return KernelShap(model)


@register
class LimeMethod(SurrogateMethod):
    name = "lime"
    label = "LIME"
    description = (
        "A simple linear model that imitates the network near this input: how much hiding "
        "each image region (or value) moves the chosen output."
    )

    def explainer(self, model: nn.Module) -> Lime:
        """LIME: copies weighted by similarity to the input, a ridge regression."""
        return Lime(model, interpretable_model=SkLearnRidge(alpha=1.0))
