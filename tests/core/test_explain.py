"""Attribution methods: shapes, errors, targets, and whether the maps point at the right pixels."""

import numpy as np
import pytest
import torch
from torch import nn

from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS, attribute, list_methods, to_heatmap


def tiny_cnn(channels: int, size: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(channels, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * (size // 2) ** 2, 3),
    ).eval()


def tiny_mlp(channels: int, size: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, 3)).eval()


MODELS = {  # name -> (builder, input shape (C, H, W))
    "cnn-gray": (lambda: tiny_cnn(1, 28), (1, 28, 28)),
    "cnn-rgb": (lambda: tiny_cnn(3, 16), (3, 16, 16)),
    "mlp": (lambda: tiny_mlp(1, 28), (1, 28, 28)),
}
CASES = [(m, k) for k, (build, _) in MODELS.items() for m in list_methods(build())]
IMAGE_METHODS = [
    n for n in EXPLAIN_METHODS.names() if "image-classification" in EXPLAIN_METHODS.get(n).tasks
]


def images(shape: tuple[int, ...], n: int = 2) -> torch.Tensor:
    return torch.rand((n, *shape), generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize(("method", "model_name"), CASES)
def test_batch_attributions_match_input_shape(method: str, model_name: str) -> None:
    build, shape = MODELS[model_name]
    x = images(shape)
    attr = attribute(build(), x, method)
    assert attr.shape == x.shape
    assert attr.dtype == torch.float32 and not attr.requires_grad
    assert torch.isfinite(attr).all()
    assert attr.abs().sum() > 0


@pytest.mark.parametrize(("method", "model_name"), CASES)
def test_single_image_gives_single_map(method: str, model_name: str) -> None:
    build, shape = MODELS[model_name]
    x = images(shape, n=1)
    model = build()
    single = attribute(model, x[0], method)
    assert single.shape == shape
    torch.testing.assert_close(single, attribute(model, x, method)[0])


@pytest.mark.parametrize("method", ["saliency", "grad-cam"])
def test_magnitude_maps_are_never_negative(method: str) -> None:
    build, shape = MODELS["cnn-gray"]
    assert (attribute(build(), images(shape), method) >= 0).all()


def test_grad_cam_refuses_a_model_without_conv_layers() -> None:
    build, shape = MODELS["mlp"]
    assert "grad-cam" not in list_methods(build())
    assert list_methods(MODELS["cnn-gray"][0]()) == IMAGE_METHODS
    with pytest.raises(LabInputError, match="grad-cam needs a convolutional model"):
        attribute(build(), images(shape), "grad-cam")


def test_unknown_method_lists_the_known_ones() -> None:
    build, shape = MODELS["cnn-gray"]
    with pytest.raises(LabInputError, match="unknown explanation method 'attention'") as info:
        attribute(build(), images(shape), "attention")
    assert all(name in str(info.value) for name in EXPLAIN_METHODS.names())


@pytest.mark.parametrize("method", IMAGE_METHODS)
def test_no_target_means_the_predicted_class(method: str) -> None:
    build, shape = MODELS["cnn-gray"]
    model = build()
    with torch.no_grad():
        model[-1].bias[2] += 10.0  # every image is now predicted as class 2, not 0
    x = images(shape)
    assert model(x).argmax(dim=1).tolist() == [2, 2]
    default = attribute(model, x, method)
    torch.testing.assert_close(default, attribute(model, x, method, target=torch.tensor([2, 2])))
    assert not torch.allclose(default, attribute(model, x, method, target=0))


def test_bad_target_is_refused() -> None:
    build, shape = MODELS["cnn-gray"]
    with pytest.raises(LabInputError, match="between 0 and 2"):
        attribute(build(), images(shape), "saliency", target=3)


def test_model_is_left_as_it_was() -> None:
    build, shape = MODELS["cnn-gray"]
    model = build().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    for method in IMAGE_METHODS:
        attribute(model, images(shape), method)
    assert all(m.training for m in model.modules())
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def corner_model() -> nn.Module:
    """Linear model whose class-0 logit is the sum of the top-left 4x4 pixels."""
    model = tiny_mlp(1, 28)
    with torch.no_grad():
        model[1].weight[0] = 0.0
        model[1].weight[0].view(28, 28)[:4, :4] = 1.0
    return model


@pytest.mark.parametrize(
    ("method", "reach"),  # reach: occlusion windows (4 px, stride 2) also touch nearby pixels
    [("saliency", 4), ("integrated-gradients", 4), ("occlusion", 6)],
)
def test_attribution_lands_on_the_pixels_that_matter(method: str, reach: int) -> None:
    attr = attribute(corner_model(), images((1, 28, 28)), method, target=0).abs()
    total = attr.sum(dim=(1, 2, 3))
    inside = attr[:, :, :reach, :reach].sum(dim=(1, 2, 3))
    corner = attr[:, :, :4, :4].sum(dim=(1, 2, 3))
    assert (inside / total > 0.999).all()
    assert (corner / total > 0.5).all()


def test_heatmap_ranges() -> None:
    attr = torch.randn(3, 8, 8, generator=torch.Generator().manual_seed(0))
    heat = to_heatmap(attr)
    assert heat.shape == (8, 8) and heat.min() >= 0 and heat.max() == 1.0
    signed = to_heatmap(attr, signed=True)
    assert signed.min() == -1.0 or signed.max() == 1.0
    assert signed.min() >= -1.0 and signed.max() <= 1.0 and (signed < 0).any()
    assert np.array_equal(np.sign(signed), np.sign(attr.sum(dim=0).numpy()))


def test_heatmap_of_a_sparse_or_empty_map() -> None:
    attr = torch.zeros(1, 20, 20)
    assert not to_heatmap(attr).any()
    attr[0, 3, 3] = -5.0  # one pixel: the 99th percentile is 0
    heat = to_heatmap(attr)
    assert heat[3, 3] == 1.0 and heat.sum() == 1.0
