"""Every explanation method on every model family it claims, its options, and independent truths.

A method claims tasks and families; for each family we build a small untrained LabModel per task
it serves and check what a user relies on: maps shaped like the input, finite, not blank,
the same twice, the model left as it was; and a clear refusal for what the method can't explain.
"""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS, Option, attribute, conv_layer_names, list_methods
from lepton_core.explain.baselines import BASELINES, make_baseline
from lepton_core.explain.methods import ALL_TASKS
from lepton_core.explain.methods_perturb import segments, superpixels
from lepton_core.generate import EncoderMean
from lepton_core.models import MODELS, build_lab_model

FAMILY_INPUTS = {  # family -> (task, example shape) it serves; small, so the file stays fast
    "seed-cnn": [("image-classification", (1, 16, 16))],
    "cnn": [("image-classification", (3, 16, 16))],
    "mlp": [
        ("image-classification", (1, 12, 12)),  # under 16 px: superpixels fall back to a grid
        ("tabular-classification", (6,)),
        ("tabular-regression", (6,)),
        ("forecasting", (10, 2)),
    ],
    "lstm": [("forecasting", (10, 2))],
    "gru": [("forecasting", (10, 2))],
    "vae": [("image-generation", (1, 16, 16))],
}
COMBOS = [(f, t, s) for f, served in FAMILY_INPUTS.items() for t, s in served]
RANDOM_METHODS = ["smoothgrad", "vargrad", "gradient-shap", "kernel-shap", "lime"]


def lab_model(family: str, task: str, shape: tuple[int, ...], options: dict | None = None):
    """A small untrained model; image-generation is a VAE's encoder mean, as the app explains it."""
    torch.manual_seed(0)
    stats = ([0.4] * shape[0], [0.3] * shape[0]) if len(shape) == 3 else ([], [])
    classes = ["a", "b", "c"] if task.endswith("classification") else []
    n_outputs = {"tabular-regression": 1, "forecasting": 3}.get(task)
    model = build_lab_model(family, options or {}, shape, classes, *stats, n_outputs, task).eval()
    return EncoderMean(model) if task == "image-generation" else model


def batch(shape: tuple[int, ...], n: int = 2, seed: int = 1) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    if len(shape) == 3:  # images in [0, 1]; tables and series standardised
        return torch.rand((n, *shape), generator=gen)
    return torch.randn((n, *shape), generator=gen)


def claims(method: str, family: str, task: str) -> bool:
    m = EXPLAIN_METHODS.get(method)
    return task in m.tasks and (m.families is None or family in m.families)


CLAIMED = [(m, *c) for m in EXPLAIN_METHODS.names() for c in COMBOS if claims(m, *c[:2])]
REFUSED = [(m, *c) for m in EXPLAIN_METHODS.names() for c in COMBOS if not claims(m, *c[:2])]


def case_id(case) -> str:
    method, family, task, _ = case
    return f"{method}-{family}-{task}"


# ---------------------------------------------------------------- the registry


@pytest.mark.parametrize("name", EXPLAIN_METHODS.names())
def test_every_method_says_what_it_shows_and_what_it_explains(name: str) -> None:
    m = EXPLAIN_METHODS.get(name)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name) and m.name == name
    assert m.label.strip() and isinstance(m.signed, bool)
    assert m.description.endswith(".") and m.description.count(". ") == 0  # one sentence
    assert m.tasks and set(m.tasks) <= set(ALL_TASKS)
    assert m.families is None or set(m.families) <= set(MODELS.names())
    assert any(claims(name, f, t) for f, t, _ in COMBOS)  # explains at least one of our models
    for option_name, option in m.options.items():
        assert isinstance(option, Option) and option.help
        assert option.check(option_name, option.default) == option.default


# ---------------------------------------------------------------- every claim, every refusal


@pytest.mark.parametrize(("method", "family", "task", "shape"), CLAIMED, ids=map(case_id, CLAIMED))
def test_method_explains_each_family_it_claims(method, family, task, shape) -> None:
    model = lab_model(family, task, shape).train()  # attribute must evaluate, then put it back
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert method in list_methods(model)
    x = batch(shape)
    attr = attribute(model, x, method)
    assert attr.shape == x.shape and attr.dtype == torch.float32 and attr.device.type == "cpu"
    assert torch.isfinite(attr).all() and attr.abs().sum() > 0
    assert EXPLAIN_METHODS.get(method).signed or (attr >= 0).all()  # magnitudes: one colour scale
    assert torch.equal(attr, attribute(model, x, method))  # the same map twice
    assert all(m.training for m in model.modules())
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize(("method", "family", "task", "shape"), REFUSED, ids=map(case_id, REFUSED))
def test_method_refuses_what_it_does_not_claim_saying_what_it_needs(
    method, family, task, shape
) -> None:
    model = lab_model(family, task, shape)
    assert method not in list_methods(model)
    needs = f"{method} needs {EXPLAIN_METHODS.get(method).needs}"
    with pytest.raises(LabInputError, match=re.escape(needs)) as err:
        attribute(model, batch(shape), method)
    assert family in str(err.value) and task in str(err.value)


def test_deeplift_refuses_in_place_activations() -> None:
    model = lab_model("seed-cnn", "image-classification", (1, 16, 16))
    model.net[1].inplace = True  # captum #578: DeepLift's hooks break on in-place ReLUs
    assert "deeplift" not in list_methods(model) and "saliency" in list_methods(model)


# ---------------------------------------------------------------- options


def test_unknown_or_bad_options_are_refused_by_name() -> None:
    model, x = lab_model("seed-cnn", "image-classification", (1, 16, 16)), batch((1, 16, 16))
    with pytest.raises(LabInputError, match="saliency has no option 'n_steps'; it takes: no"):
        attribute(model, x, "saliency", n_steps=10)
    with pytest.raises(LabInputError, match="no option 'steps'; it takes: baseline, n_steps"):
        attribute(model, x, "integrated-gradients", steps=10)
    with pytest.raises(LabInputError, match="n_steps must be between 2 and 512, got 1"):
        attribute(model, x, "integrated-gradients", n_steps=1)
    with pytest.raises(LabInputError, match="n_samples must be int, got 2.5"):
        attribute(model, x, "smoothgrad", n_samples=2.5)
    with pytest.raises(LabInputError, match="baseline must be one of: " + ", ".join(BASELINES)):
        attribute(model, x, "integrated-gradients", baseline="white")


def test_more_samples_change_a_sampling_method() -> None:
    model, x = lab_model("seed-cnn", "image-classification", (1, 16, 16)), batch((1, 16, 16))
    few = attribute(model, x, "kernel-shap", n_samples=40, n_segments=8)
    assert not torch.equal(few, attribute(model, x, "kernel-shap", n_samples=80, n_segments=8))


@pytest.mark.parametrize("method", RANDOM_METHODS)
def test_random_methods_are_seeded_per_example_and_leave_global_rngs_alone(method: str) -> None:
    model, x = lab_model("seed-cnn", "image-classification", (1, 16, 16)), batch((1, 16, 16), n=3)
    torch.manual_seed(7)
    np.random.seed(7)
    alone = attribute(model, x[1], method)
    drawn = torch.rand(3), np.random.rand(3)
    torch.manual_seed(7)
    np.random.seed(7)
    assert torch.equal(drawn[0], torch.rand(3)) and np.array_equal(drawn[1], np.random.rand(3))
    torch.testing.assert_close(alone, attribute(model, x, method)[1])  # not the batch's noise


# ---------------------------------------------------------------- independent truths


def linear_table_model():
    """F(x) = w . x + 10 on standardised rows: every input's true contribution is w_i * x_i."""
    options = {"hidden": [6], "batch_norm": False, "dropout": 0.0}
    model = lab_model("mlp", "tabular-regression", (6,), options)
    with torch.no_grad():
        model.net[1].weight.copy_(torch.eye(6))
        model.net[1].bias.fill_(10.0)  # keeps every ReLU open for |x| < 10
        model.net[-1].weight.copy_(torch.tensor([[1.0, -2.0, 3.0, 0.5, 0.0, -1.0]]))
        model.net[-1].bias.fill_(-10.0 * 1.5)
    return model


@pytest.mark.parametrize(
    ("method", "rtol"),
    [
        ("input-x-gradient", 1e-5),
        ("integrated-gradients", 1e-5),
        ("deeplift", 1e-5),
        ("feature-ablation", 1e-5),
        ("kernel-shap", 1e-4),
        ("lime", 0.05),  # a ridge surrogate shrinks a little
    ],
)
def test_additive_methods_recover_a_linear_model_exactly(method: str, rtol: float) -> None:
    model = linear_table_model()
    x = batch((6,), n=3)
    truth = x * model.net[-1].weight  # (3, 6)
    torch.testing.assert_close(attribute(model, x, method), truth, rtol=rtol, atol=rtol)


def digit_like_images(n: int = 2) -> torch.Tensor:
    """Images in [0, 1] with some structure (a bright blob), not just noise."""
    x = batch((1, 16, 16), n) * 0.3
    x[:, :, 4:11, 5:10] += 0.6
    return x


@pytest.mark.parametrize("baseline", list(BASELINES))
def test_integrated_gradients_is_complete_for_every_baseline(baseline: str) -> None:
    """Sum of IG attributions = F(x) - F(baseline): the axiom, checked against the model itself."""
    model = lab_model("seed-cnn", "image-classification", (1, 16, 16))
    x = digit_like_images()
    attr = attribute(model, x, "integrated-gradients", target=1, baseline=baseline, n_steps=256)
    with torch.no_grad():
        gap = (model(x) - model(make_baseline(baseline, model, x)))[:, 1]
    assert gap.abs().min() > 0.01  # the check has something to check
    torch.testing.assert_close(attr.sum(dim=(1, 2, 3)), gap, atol=2e-3, rtol=0.02)


DEEPLIFT_COMPLETE = [  # max-pooling's rule is exact only when the baseline's maxima stay put
    (COMBOS[0], "black"),
    (COMBOS[0], "mean"),
    *[(combo, b) for combo in (COMBOS[2], COMBOS[-1]) for b in ("black", "blurred", "mean")],
]


@pytest.mark.parametrize(
    ("combo", "baseline"), DEEPLIFT_COMPLETE, ids=[f"{c[0]}-{b}" for c, b in DEEPLIFT_COMPLETE]
)
def test_deeplift_sums_to_the_output_difference(combo, baseline: str) -> None:
    family, task, shape = combo
    model = lab_model(family, task, shape)
    x = digit_like_images() if shape == (1, 16, 16) else batch(shape)
    attr = attribute(model, x, "deeplift", target=1, baseline=baseline)
    with torch.no_grad():
        gap = (model(x) - model(make_baseline(baseline, model, x)))[:, 1]
    torch.testing.assert_close(attr.sum(dim=(1, 2, 3)), gap, atol=1e-4, rtol=1e-4)


def test_baselines() -> None:
    model = lab_model("cnn", "image-classification", (3, 16, 16))
    x = batch((3, 16, 16), n=2)
    mean = make_baseline("mean", model, x)
    assert torch.equal(mean[1, :, 5, 7], torch.tensor([0.4, 0.4, 0.4]))  # the Normalize mean
    assert torch.equal(model.normalize(mean), torch.zeros_like(x))  # the input that normalises to 0
    noise = make_baseline("noise", model, x)
    assert torch.equal(noise, make_baseline("noise", model, x)) and torch.equal(noise[0], noise[1])
    assert 0 <= noise.min() and noise.max() <= 1 and noise.std() > 0.2
    flat = torch.full((1, 3, 16, 16), 0.3)
    torch.testing.assert_close(make_baseline("blurred", model, flat), flat)  # nothing to blur
    blurred = make_baseline("blurred", model, x)
    torch.testing.assert_close(blurred.mean(), x.mean(), atol=0.02, rtol=0)  # colours stay
    assert blurred.diff(dim=3).abs().mean() < x.diff(dim=3).abs().mean() / 4  # edges go
    assert torch.equal(make_baseline("black", model, x), torch.zeros_like(x))
    table = batch((6,))
    assert torch.equal(make_baseline("mean", model, table), torch.zeros_like(table))
    with pytest.raises(LabInputError, match="blurred baseline needs images or time series"):
        make_baseline("blurred", model, table)
    with pytest.raises(LabInputError, match="choose one of: black, blurred, noise, mean"):
        make_baseline("grey", model, x)
    with pytest.raises(LabInputError, match="needs a Lepton Lab image model"):
        make_baseline("mean", torch.nn.Conv2d(3, 1, 3), x)  # no training mean recorded


def test_grad_cam_layer_override_matches_a_hand_computed_grad_cam() -> None:
    model = lab_model("cnn", "image-classification", (3, 16, 16), {"blocks": 2})
    x = batch((3, 16, 16))
    names = conv_layer_names(model)
    assert names == ["net.0", "net.3", "net.7", "net.10"]
    acts = {}
    hook = model.get_submodule("net.3").register_forward_hook(lambda m, i, o: acts.update(a=o))
    out = model(x)[:, 1].sum()
    hook.remove()
    (grads,) = torch.autograd.grad(out, acts["a"])
    weights = grads.mean(dim=(2, 3), keepdim=True)  # one weight per channel
    cam = F.relu((weights * acts["a"]).sum(dim=1, keepdim=True)).detach()  # (B, 1, 16, 16)
    by_name = attribute(model, x, "grad-cam", target=1, layer="net.3")
    torch.testing.assert_close(by_name, cam.expand(-1, 3, -1, -1))
    assert not torch.allclose(by_name, attribute(model, x, "grad-cam", target=1))  # last layer
    guided = attribute(model, x, "guided-grad-cam", target=1, layer="net.0")
    assert guided.shape == x.shape and guided.abs().sum() > 0


@pytest.mark.parametrize("method", ["grad-cam", "guided-grad-cam"])
def test_a_layer_that_is_not_a_conv_layer_is_refused_listing_them(method: str) -> None:
    model = lab_model("cnn", "image-classification", (3, 16, 16), {"blocks": 2})
    for bad in ("net.2", "features.3"):  # a ReLU, and no such module
        with pytest.raises(LabInputError, match=f"layer '{bad}' is not a convolutional") as err:
            attribute(model, batch((3, 16, 16)), method, layer=bad)
        assert "choose one of: net.0, net.3, net.7, net.10" in str(err.value)


def test_occlusion_with_a_window_as_big_as_the_image_is_the_black_image_gap() -> None:
    model = lab_model("seed-cnn", "image-classification", (1, 16, 16))
    x = digit_like_images()
    attr = attribute(model, x, "occlusion", target=0, window=16)
    with torch.no_grad():
        gap = model(x)[:, 0] - model(torch.zeros_like(x))[:, 0]
    torch.testing.assert_close(attr, gap.view(-1, 1, 1, 1).expand_as(x))


def test_feature_ablation_scores_each_superpixel_by_blacking_it_out() -> None:
    model = lab_model("seed-cnn", "image-classification", (1, 16, 16))
    x = digit_like_images(1)
    attr = attribute(model, x, "feature-ablation", target=0, n_segments=12)
    mask = superpixels(x, 12)[0, 0]
    region = int(mask.max()) // 2
    assert region >= 2
    for region in range(int(mask.max()) + 1):
        values = attr[0, 0][mask == region]
        assert torch.equal(values, values[:1].expand_as(values))  # one score per region
    hidden = x.clone()
    hidden[0, 0][mask == region] = 0.0
    with torch.no_grad():
        drop = model(x)[0, 0] - model(hidden)[0, 0]
    torch.testing.assert_close(attr[0, 0][mask == region][0], drop)


@pytest.mark.parametrize("channels", [1, 3])
def test_superpixels_follow_edges_and_tiny_images_get_a_grid(channels: int) -> None:
    image = np.zeros((channels, 28, 28))
    image[:, :, 11:] = 1.0  # a vertical edge off the SLIC grid
    labels = segments(image, 40)
    assert 20 <= labels.max() + 1 <= 60
    assert not set(labels[:, :11].ravel()) & set(labels[:, 11:].ravel())  # none straddles it
    assert np.array_equal(segments(image, 40), labels)  # deterministic
    tiny = segments(np.random.default_rng(0).random((channels, 10, 10)), 25)
    assert tiny.max() + 1 == 25 and (tiny[:2, :2] == 0).all()  # 2x2 squares


def test_kernel_shap_regions_add_up_to_the_black_image_gap() -> None:
    model = lab_model("cnn", "image-classification", (3, 16, 16))
    x = batch((3, 16, 16), n=1)
    attr = attribute(model, x, "kernel-shap", target=2, n_segments=10)
    mask = superpixels(x, 10)[0, 0]
    per_region = [attr[0, 0][mask == r][0] for r in range(int(mask.max()) + 1)]
    with torch.no_grad():
        gap = model(x)[0, 2] - model(torch.zeros_like(x))[0, 2]
    torch.testing.assert_close(sum(per_region), gap, atol=1e-4, rtol=1e-3)
