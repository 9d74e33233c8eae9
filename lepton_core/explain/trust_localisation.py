"""Ground-truth localisation: does the map point at the object, where the object mask is known?"""

import torch
import torch.nn.functional as F
from torch import Tensor


def mask_mass(scores: Tensor, masks: Tensor) -> Tensor:
    """Share of each map's positive mass inside its mask: (B, H, W) scores and masks -> (B,).

    Negative scores (evidence against the class) are ignored; a map with no positive mass
    scores 0.
    """
    pos = scores.float().clamp_min(0).flatten(1)
    inside = (pos * masks.bool().flatten(1)).sum(dim=1)
    total = pos.sum(dim=1)
    return torch.where(total > 0, inside / total.clamp_min(1e-30), torch.zeros_like(total))


def pointing_game(scores: Tensor, masks: Tensor, tolerance: int = 1) -> Tensor:
    """Whether each map's highest pixel falls in its mask grown by `tolerance` pixels: (B,) bool.

    Ties go to the first pixel in reading order.
    """
    grown = masks.bool().float()[:, None]  # (B, 1, H, W)
    if tolerance > 0:
        size = 2 * tolerance + 1
        grown = F.max_pool2d(grown, size, stride=1, padding=tolerance)
    top = scores.float().flatten(1).argmax(dim=1)  # (B,)
    return grown.flatten(1).gather(1, top[:, None])[:, 0] > 0
