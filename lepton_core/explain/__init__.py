"""Explain a model's predictions: attribution maps shaped like the inputs, and heatmaps of them."""

import numpy as np
import torch
from torch import Tensor, nn

from lepton_core.errors import LabInputError
from lepton_core.explain.baselines import BASELINES
from lepton_core.explain.methods import EXPLAIN_METHODS, ExplainMethod, Option, model_task
from lepton_core.explain.methods_cam import conv_layer_names

__all__ = [
    "BASELINES",
    "EXPLAIN_METHODS",
    "ExplainMethod",
    "Option",
    "attribute",
    "conv_layer_names",
    "list_methods",
    "to_heatmap",
]


def list_methods(model: nn.Module | None = None) -> list[str]:
    """All method names, or only those that can explain `model`."""
    names = EXPLAIN_METHODS.names()
    if model is None:
        return names
    return [n for n in names if EXPLAIN_METHODS.get(n).supports(model)]


def _targets(model: nn.Module, x: Tensor, target: Tensor | int | None) -> Tensor:
    """Target classes as a LongTensor (B,); None means the model's predicted classes."""
    with torch.no_grad():
        logits = model(x)  # (B, n_classes)
    if target is None:  # classifiers: the predicted class; regression/forecast: output 0
        if model_task(model).endswith("classification"):
            return logits.argmax(dim=1)
        return torch.zeros(len(x), dtype=torch.long, device=x.device)
    t = torch.as_tensor(target, dtype=torch.long, device=x.device).reshape(-1)
    if t.numel() == 1:
        t = t.expand(len(x))
    if t.numel() != len(x):
        raise LabInputError(f"got {t.numel()} target classes for {len(x)} images")
    n_classes = logits.shape[1]
    if t.min() < 0 or t.max() >= n_classes:
        raise LabInputError(f"class index must be between 0 and {n_classes - 1}")
    return t


def attribute(
    model: nn.Module,
    inputs: Tensor,
    method: str,
    target: Tensor | int | None = None,
    **options,
) -> Tensor:
    """Attributions of `method` for one example or a batch of them: same shape, float32, CPU.

    `options` are the method's own settings (`EXPLAIN_METHODS.get(method).options`, e.g.
    baseline="blurred" for integrated-gradients); leaving one out takes its default.
    """
    explainer = EXPLAIN_METHODS.get(method)
    refusal = explainer.refusal(model)
    if refusal:
        raise LabInputError(refusal)
    settings = explainer.resolve(options)
    example_ndim = len(getattr(model, "meta", {}).get("input_shape", (0, 0, 0)))
    if inputs.ndim not in (example_ndim, example_ndim + 1):
        raise LabInputError(
            f"expected one example with {example_ndim} dimensions or a batch of them, "
            f"got {inputs.ndim}D"
        )
    single = inputs.ndim == example_ndim
    device = next(model.parameters(), torch.empty(0)).device
    x = inputs.detach().to(device=device, dtype=torch.float32).clone()
    if single:
        x = x.unsqueeze(0)
    modes = {m: m.training for m in model.modules()}
    if any(modes.values()):
        model.eval()
    try:
        attr = explainer.attribute(model, x, _targets(model, x, target), **settings)
    finally:
        for m, training in modes.items():
            m.training = training
    attr = attr.detach().to(device="cpu", dtype=torch.float32)
    return attr[0] if single else attr


def to_heatmap(attr: Tensor, signed: bool = False) -> np.ndarray:
    """(C,H,W) attributions -> (H,W) map in [0,1], or [-1,1] if signed, scaled by the 99th pct."""
    if attr.ndim != 3:
        raise ValueError(
            f"to_heatmap expects (C, H, W) attributions, got shape {tuple(attr.shape)}"
        )
    heat = attr.detach().cpu().double().sum(dim=0).numpy()  # (H, W)
    if not signed:
        heat = np.abs(heat)
    magnitude = np.abs(heat)
    scale = np.percentile(magnitude, 99) or magnitude.max()  # sparse maps can have a zero p99
    if scale == 0:
        return np.zeros_like(heat, dtype=np.float32)
    low = -1.0 if signed else 0.0
    return np.clip(heat / scale, low, 1.0).astype(np.float32)
