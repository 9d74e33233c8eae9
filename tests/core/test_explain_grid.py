"""The Explain page's grid, its downloads and per-class averages (engine only)."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from lepton_core.errors import LabInputError
from lepton_core.explain.grid import class_average, explain_grid, grid_npy, grid_png, is_signed
from lepton_core.models import build_lab_model

CLASSES = ["a", "b", "c"]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_lab_model("seed-cnn", {}, (1, 12, 12), CLASSES, [0.5], [0.25]).eval()


@pytest.fixture(scope="module")
def data():
    gen = torch.Generator().manual_seed(0)
    return torch.rand(9, 1, 12, 12, generator=gen), torch.tensor([0, 1, 2] * 3)


def test_grid_holds_one_map_per_image_and_method(model, data) -> None:
    x, y = data
    grid = explain_grid(model, x, y, [0, 4, 5], ["saliency", "integrated-gradients"], "true")
    assert grid.attributions.shape == (3, 2, 1, 12, 12)
    assert grid.targets.tolist() == [0, 1, 2] and grid.true.tolist() == [0, 1, 2]
    with torch.no_grad():
        assert grid.predicted.tolist() == model(x[[0, 4, 5]]).argmax(1).tolist()
    ov = grid.overlay(0, 1, signed=True)
    assert ov.shape == (12, 12, 3) and ov.dtype == np.uint8


def test_targets_follow_the_choice_and_bad_ones_are_refused(model, data) -> None:
    x, y = data
    grid = explain_grid(model, x, y, [1, 2], ["saliency"], 2)
    assert grid.targets.tolist() == [2, 2]
    pred = explain_grid(model, x, y, [1, 2], ["saliency"], "predicted")
    assert pred.targets.tolist() == pred.predicted.tolist()
    for bad in (3, -1, "any"):
        with pytest.raises(LabInputError, match="target must be"):
            explain_grid(model, x, y, [1], ["saliency"], bad)
    with pytest.raises(LabInputError, match="at least one image"):
        explain_grid(model, x, y, [], ["saliency"], "true")


def test_signed_display_only_for_methods_with_a_sign(model, data) -> None:
    x, y = data
    grid = explain_grid(model, x, y, [0], ["saliency", "integrated-gradients"], "true")
    assert not is_signed("saliency")
    assert grid.heatmap(0, 0, signed=True).min() >= 0  # saliency stays absolute
    if is_signed("integrated-gradients"):
        assert grid.heatmap(0, 1, signed=True).min() < 0


def test_downloads_are_a_png_of_the_grid_and_a_plain_npy(model, data) -> None:
    x, y = data
    grid = explain_grid(model, x, y, [0, 1], ["saliency", "integrated-gradients"], "true")
    img = Image.open(io.BytesIO(grid_png(grid, signed=False, scale=2)))
    assert img.size == ((12 + 2) * 3 * 2 + 4, (12 + 2) * 2 * 2 + 4)
    arr = np.load(io.BytesIO(grid_npy(grid)), allow_pickle=False)
    np.testing.assert_array_equal(arr, grid.attributions)


def test_class_average_is_one_scaled_map_per_class(model, data) -> None:
    x, y = data
    maps = class_average(model, x, y, "saliency", per_class=2)
    assert maps.shape == (3, 12, 12)
    assert np.allclose(maps.max(axis=(1, 2)), 1.0) and maps.min() >= 0
