"""Convolutional image classifiers: the founding `seed-cnn` and the configurable `cnn`."""

from torch import nn

from lepton_core.errors import LabInputError
from lepton_core.models.registry import register_model

IMAGE = ("image-classification",)


def _image_shape(input_shape: tuple[int, ...], name: str) -> tuple[int, int, int]:
    if len(input_shape) != 3:
        raise LabInputError(f"{name} is for images; this data has inputs of shape {input_shape}")
    return input_shape


@register_model("seed-cnn", IMAGE, "the founding network: one 3x3 conv (32), max-pool, linear")
def seed_cnn(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Conv2d(32, 3x3) + ReLU -> MaxPool(2) -> Flatten -> Linear(n_classes), sized to the input."""
    c, h, w = _image_shape(input_shape, "seed-cnn")
    if h < 4 or w < 4:
        raise LabInputError(f"seed-cnn needs images of at least 4x4 pixels, got {h}x{w}")
    return nn.Sequential(
        nn.Conv2d(c, 32, kernel_size=3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * ((h - 2) // 2) * ((w - 2) // 2), n_classes),
    )


@register_model("cnn", IMAGE, "configurable conv blocks with batch norm and dropout")
def cnn(
    input_shape: tuple[int, ...],
    n_classes: int,
    blocks: int = 3,
    channels: int = 16,
    batch_norm: bool = True,
    dropout: float = 0.2,
    convs_per_block: int = 2,
) -> nn.Module:
    """`blocks` x (`convs_per_block` x (3x3 conv -> [BN] -> ReLU) -> max-pool), then global pool.

    Channels double from block to block.
    """
    c, h, w = _image_shape(input_shape, "cnn")
    if not 1 <= blocks <= 5:
        raise LabInputError(f"cnn blocks must be between 1 and 5, got {blocks}")
    if min(h, w) < 2**blocks:
        raise LabInputError(f"{blocks} pooling blocks need images of at least {2**blocks} pixels")
    if not 1 <= convs_per_block <= 3:
        raise LabInputError(f"convs per block must be 1 to 3, got {convs_per_block}")
    if not 0 <= dropout < 1:
        raise LabInputError(f"dropout must be in [0, 1), got {dropout}")
    layers: list[nn.Module] = []
    for i in range(blocks):
        out = channels * 2**i
        for _ in range(convs_per_block):
            layers.append(nn.Conv2d(c, out, 3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.ReLU())  # one module per activation (captum DeepLift)
            c = out
        layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c, n_classes)]
    return nn.Sequential(*layers)
