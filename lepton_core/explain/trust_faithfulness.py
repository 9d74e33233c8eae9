"""Faithfulness of attribution maps: deletion and insertion curves, infidelity, sensitivity.

A map is faithful when the pixels it ranks highest are the ones the model actually relies on:
blacking them out first should make the class probability fall fast (low deletion AUC), and
revealing them first on a black image should make it rise fast (high insertion AUC).
"""

from collections.abc import Callable, Sequence

import numpy as np
import torch
from captum.metrics import infidelity, sensitivity_max
from torch import Tensor, nn

IMAGES_PER_PASS = 1024  # bounds one forward pass of perturbed images


def pixel_scores(attr: Tensor) -> Tensor:
    """(B, C, H, W) attributions -> (B, H, W) signed scores: the sum over channels."""
    return attr.detach().float().sum(dim=1)


def curve_auc(curve: Sequence[float] | np.ndarray | Tensor) -> float:
    """Area under a curve sampled at evenly spaced points of [0, 1] (trapezoid rule)."""
    y = np.asarray(curve, dtype=np.float64)
    if len(y) < 2:
        raise ValueError("a curve needs at least two points")
    return float((y[:-1] + y[1:]).sum() / 2 / (len(y) - 1))


def _step_masks(scores: Tensor, steps: int) -> Tensor:
    """(B, steps+1, H, W) bool: at step j, the j/steps share of pixels with the highest score."""
    b, h, w = scores.shape
    order = scores.reshape(b, -1).argsort(dim=1, descending=True, stable=True)  # (B, HW)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(h * w).expand(b, -1))  # rank[b, pixel]
    counts = torch.tensor([round(j * h * w / steps) for j in range(steps + 1)])  # (S,)
    return (rank[:, None, :] < counts[None, :, None]).reshape(b, steps + 1, h, w)


@torch.no_grad()
def target_probs(model: nn.Module, images: Tensor, target: Tensor) -> Tensor:
    """Softmax probability of class target[i] for images[i], in forward passes of bounded size."""
    out = []
    for i in range(0, len(images), IMAGES_PER_PASS):
        logits = model(images[i : i + IMAGES_PER_PASS])
        probs = torch.softmax(logits.float(), dim=1)
        out.append(probs.gather(1, target[i : i + IMAGES_PER_PASS, None])[:, 0])
    return torch.cat(out)


def perturbation_curves(
    model: nn.Module,
    x: Tensor,
    scores: Tensor,
    target: Tensor,
    steps: int = 20,
    baseline: float = 0.0,
) -> dict[str, Tensor]:
    """Deletion and insertion curves, (B, steps+1) each, for pixels ordered by `scores` (B, H, W).

    The order is by signed score, highest first: for a signed map the pixels that speak most for
    the class go first and those that speak against it last (for |gradients| or Grad-CAM, signed
    and absolute order are the same). Deletion sets the first pixels (all channels) to `baseline`
    (black) first; insertion starts from an all-`baseline` image and puts the first pixels back
    first. Each point is the probability of the image's target class. Ties keep reading order
    (a stable sort). All (2 B (steps+1)) images go through the model in a few large batches.
    """
    b = len(x)
    touched = _step_masks(scores, steps)[:, :, None]  # (B, S, 1, H, W): pixels step j changed
    xs = x[:, None]  # (B, 1, C, H, W)
    deleted = torch.where(touched, torch.full_like(xs, baseline), xs)  # (B, S, C, H, W)
    inserted = torch.where(touched, xs, torch.full_like(xs, baseline))
    images = torch.cat([deleted, inserted]).reshape(-1, *x.shape[1:])  # (2 B S, C, H, W)
    targets = target.repeat(2).repeat_interleave(steps + 1)
    probs = target_probs(model, images, targets).reshape(2, b, steps + 1)
    return {"deletion": probs[0], "insertion": probs[1]}


def random_scores(shape: tuple[int, ...], seed: int) -> Tensor:
    """Uniform [0, 1) scores from a private generator: a random ordering, or a random map."""
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


def infidelity_score(
    model: nn.Module,
    x: Tensor,
    attr: Tensor,
    target: Tensor,
    n_perturb: int = 10,
    patch: float = 0.25,
    seed: int = 0,
) -> float:
    """Mean captum infidelity over the batch: does the map's sum over a blacked-out square
    predict how much the target logit drops? Lower is better; 0 is a perfect prediction.

    Each of the `n_perturb` draws per image sets one seeded random square, `patch` of the image
    side, to black. The perturbation I given to captum is that square's binary mask (all
    channels), so attr·I is the map's sum over the square (Yeh et al.'s set-removal form, the
    same for every method). `normalize=True` rescales the map optimally first, so methods of
    different scales compare (infidelity otherwise grows with the map's magnitude: captum#613);
    values are in squared logits of this model, comparable between methods, not between models.
    """
    gen = torch.Generator().manual_seed(seed)
    h, w = x.shape[-2:]
    side_h, side_w = max(1, round(patch * h)), max(1, round(patch * w))

    def perturb(inputs: Tensor) -> tuple[Tensor, Tensor]:
        b = len(inputs)
        top = torch.randint(0, h - side_h + 1, (b,), generator=gen)
        left = torch.randint(0, w - side_w + 1, (b,), generator=gen)
        rows, cols = torch.arange(h), torch.arange(w)
        in_rows = (rows >= top[:, None]) & (rows < top[:, None] + side_h)  # (b, H)
        in_cols = (cols >= left[:, None]) & (cols < left[:, None] + side_w)  # (b, W)
        square = (in_rows[:, :, None] & in_cols[:, None, :])[:, None].to(inputs)  # (b, 1, H, W)
        square = square.expand_as(inputs)
        return square, inputs * (1 - square)

    values = infidelity(
        model, perturb, x, attr.to(x), target=target, n_perturb_samples=n_perturb, normalize=True
    )
    return float(values.mean())


def sensitivity_score(
    explain: Callable[[Tensor, Tensor], Tensor],
    x: Tensor,
    target: Tensor,
    n_perturb: int = 4,
    radius: float = 0.02,
    seed: int = 0,
) -> float:
    """Mean captum sensitivity-max: the largest relative change of the map under tiny noise.

    `explain(inputs, target)` returns attributions; inputs get seeded uniform noise in
    [-radius, radius] per pixel, `n_perturb` times each. 0 means perfectly stable maps.
    """
    gen = torch.Generator().manual_seed(seed)

    def perturb(inputs: Tensor, perturb_radius: float) -> Tensor:
        noise = torch.rand(inputs.shape, generator=gen).to(inputs) * 2 - 1
        return inputs + noise * perturb_radius

    def explanation(inputs: Tensor | tuple[Tensor], target: Tensor) -> Tensor | tuple[Tensor]:
        if isinstance(inputs, tuple):  # the clean inputs come as a 1-tuple and go back as one
            return (explanation(inputs[0], target),)
        with torch.enable_grad():  # sensitivity_max calls this under no_grad
            return explain(inputs, target).to(inputs)

    values = sensitivity_max(
        explanation,
        x,
        perturb_func=perturb,
        perturb_radius=radius,
        n_perturb_samples=n_perturb,
        target=target,
    )
    return float(values.mean())
