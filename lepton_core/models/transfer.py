"""Transfer models: torchvision's resnet18 and mobilenet_v3_small, adapted to our small images.

Built with `weights=None`: nothing is ever downloaded. Start one from trained weights with
`init_from` (a run, or a user's safetensors state dict of the torchvision architecture).
Adaptations keep every weight's shape torchvision's, except the first conv's input channels:
- the stem conv takes the data's channel count (gray: 1);
- images under 64 pixels keep their full resolution through the stem (stride 1 instead of 2),
  so 28x28 digits still have a 2x2 map left before the global pool;
- mobilenet's batch norm updates its running statistics at PyTorch's usual rate (momentum 0.1).
"""

from torch import nn

from lepton_core.models.cnn import IMAGE, _image_shape
from lepton_core.models.registry import register_model

SMALL = 64  # images below this size (either side) get a stride-1 stem
TRANSFER_DEFAULTS = {"lr": 1e-3, "epochs": 10}


def _stem(old: nn.Conv2d, channels: int, small: bool) -> nn.Conv2d:
    """`old` with `channels` inputs and stride 1 for small images; torchvision's init."""
    stride = 1 if small else old.stride
    conv = nn.Conv2d(
        channels, old.out_channels, old.kernel_size, stride, old.padding, bias=old.bias is not None
    )
    nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
    return conv


@register_model(
    "resnet18",
    IMAGE,
    "torchvision ResNet-18 (11M parameters), adapted to small images; slow on a CPU",
    TRANSFER_DEFAULTS,
)
def resnet18(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """ResNet-18; the stem conv keeps full resolution on small images (its max-pool stays)."""
    from torchvision.models import resnet18 as tv_resnet18  # 1.6 s import: only when built

    c, h, w = _image_shape(input_shape, "resnet18")
    net = tv_resnet18(weights=None, num_classes=n_classes)
    net.conv1 = _stem(net.conv1, c, min(h, w) < SMALL)
    return net


@register_model(
    "mobilenet_v3_small",
    IMAGE,
    "torchvision MobileNetV3-Small (1.5M parameters), adapted to small images",
    TRANSFER_DEFAULTS,
)
def mobilenet_v3_small(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """MobileNetV3-Small; the stem conv keeps full resolution on small images."""
    from torchvision.models import mobilenet_v3_small as tv_mobilenet

    c, h, w = _image_shape(input_shape, "mobilenet_v3_small")
    net = tv_mobilenet(weights=None, num_classes=n_classes)
    stem = net.features[0]
    stem[0] = _stem(stem[0], c, min(h, w) < SMALL)
    for m in net.modules():  # torchvision's 0.01 suits ImageNet-length training; in a few
        if isinstance(m, nn.BatchNorm2d):  # hundred steps the running statistics would lag
            m.momentum = 0.1
    return net
