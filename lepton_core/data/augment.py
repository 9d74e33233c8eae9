"""Training-time augmentation with torchvision.transforms.v2, applied per sample."""

import torch
from torchvision.transforms import v2

from lepton_core.config import AugmentSpec


def build_augment(spec: AugmentSpec, n_channels: int) -> v2.Compose | None:
    """A v2 pipeline for one (C, H, W) float image in [0, 1], or None when all is off."""
    if not spec.enabled:
        return None
    steps: list = []
    if spec.hflip:
        steps.append(v2.RandomHorizontalFlip())
    if spec.rotation or spec.shift:
        steps.append(v2.RandomAffine(degrees=spec.rotation, translate=(spec.shift, spec.shift)))
    if spec.color_jitter:
        j = spec.color_jitter
        if n_channels == 3:
            steps.append(v2.ColorJitter(brightness=j, contrast=j, saturation=j))
        else:
            steps.append(v2.ColorJitter(brightness=j, contrast=j))
    if spec.noise:
        steps.append(v2.GaussianNoise(sigma=spec.noise, clip=True))
    return v2.Compose(steps)


def augment_batch(x: torch.Tensor, transform: v2.Compose | None) -> torch.Tensor:
    """Apply `transform` to each image separately (v2 on a batch shares one random draw)."""
    if transform is None:
        return x
    return torch.stack([transform(img) for img in x])
