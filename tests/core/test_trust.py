"""Trust checks: faithfulness curves, sanity checks and localisation, on hand-made cases first
(known answers) and then on real trained runs and through `lepton explain --trust`."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from torch import nn

from lepton_core.api import load_dataset, train
from lepton_core.errors import LabInputError
from lepton_core.explain import trust
from lepton_core.explain.trust import trust_report
from lepton_core.explain.trust_faithfulness import curve_auc, perturbation_curves, random_scores
from lepton_core.explain.trust_localisation import mask_mass, pointing_game
from lepton_core.explain.trust_sanity import cascade_models, layer_groups, rank_correlations
from lepton_core.explain.trust_summary import sanity_passed, sanity_verdict
from lepton_core.models import build_lab_model
from lepton_core.runs import RunStore
from tests.lepton_cli import run_lepton_many

DIGITS_METHODS = ("saliency", "guided-backprop", "integrated-gradients")


# --- hand-made cases ---------------------------------------------------------------------------


def test_curve_auc_of_known_curves() -> None:
    assert curve_auc([1.0, 1.0]) == 1.0
    assert curve_auc(np.linspace(1, 0, 21)) == pytest.approx(0.5)
    assert curve_auc([1.0] + [0.0] * 20) == pytest.approx(1 / 40)  # one step of 1/20, halved
    assert curve_auc([0.0, 0.5, 1.0, 1.0, 1.0]) == pytest.approx(0.0625 + 0.1875 + 0.25 + 0.25)


class CornerModel(nn.Module):
    """Class 0's logit is 2 x the sum of the top-left 4x4 pixels; class 1's is a constant 8."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        corner = x[:, :, :4, :4].sum(dim=(1, 2, 3))
        return torch.stack([2 * corner, torch.full_like(corner, 8.0)], dim=1)


def test_a_map_of_the_pixels_the_model_uses_beats_a_random_order() -> None:
    x = torch.ones(4, 1, 16, 16)
    perfect = torch.zeros(4, 16, 16)
    perfect[:, :4, :4] = 1.0
    target = torch.zeros(4, dtype=torch.long)
    model = CornerModel()
    good = perturbation_curves(model, x, perfect, target, steps=16)
    rand = perturbation_curves(model, x, random_scores((4, 16, 16), seed=0), target, steps=16)
    assert good["deletion"][:, 0] == pytest.approx(torch.sigmoid(torch.tensor(24.0)).item())
    assert good["deletion"][:, 1:].max() < 0.5  # the 16 pixels are gone after step 1 (1/16)
    assert good["insertion"][:, 0] == pytest.approx(torch.sigmoid(torch.tensor(-8.0)).item())
    assert good["insertion"][:, 1:].min() > 0.5  # ...and all back after step 1
    auc = {k: [curve_auc(c) for c in v] for k, v in good.items()}
    rand_auc = {k: [curve_auc(c) for c in v] for k, v in rand.items()}
    assert max(auc["deletion"]) < 0.1 < min(rand_auc["deletion"])
    assert min(auc["insertion"]) > 0.9 > max(rand_auc["insertion"])


def test_rank_correlation_agrees_with_scipy() -> None:
    gen = torch.Generator().manual_seed(0)
    a, b = torch.rand(5, 8, 8, generator=gen), torch.rand(5, 8, 8, generator=gen)
    b[0] = a[0]  # identical
    b[1] = -a[1]  # reversed
    b[2] = a[2] ** 3  # same order
    b[3] = a[3].round()  # many ties
    ours = rank_correlations(a, b)
    expected = [spearmanr(p.flatten(), q.flatten()).statistic for p, q in zip(a, b, strict=True)]
    assert ours == pytest.approx(expected)
    assert ours[:3] == pytest.approx([1.0, -1.0, 1.0])
    flat = torch.zeros(2, 8, 8)
    assert rank_correlations(flat, torch.stack([flat[0], a[0]])) == pytest.approx([1.0, 0.0])


def test_mask_mass_and_pointing_game_on_hand_made_maps() -> None:
    masks = torch.zeros(4, 8, 8, dtype=torch.bool)
    masks[:, 2:5, 2:5] = True
    maps = torch.zeros(4, 8, 8)
    maps[0, 3, 3] = 5.0  # all inside
    maps[1, 2, 2], maps[1, 7, 7] = 1.0, 1.0  # half inside
    maps[2] = -1.0  # negative evidence only: no positive mass
    maps[2, 0, 0] = -0.5
    maps[3, 5, 5], maps[3, 7, 0] = 2.0, 1.0  # highest pixel just outside the mask
    assert mask_mass(maps, masks).tolist() == pytest.approx([1.0, 0.5, 0.0, 0.0])
    assert pointing_game(maps, masks, tolerance=0).tolist() == [True, True, False, False]
    assert pointing_game(maps, masks, tolerance=1).tolist() == [True, True, False, True]
    uniform = random_scores((4, 8, 8), seed=0)
    assert mask_mass(uniform, masks).mean() == pytest.approx(9 / 64, abs=0.05)


def test_cascade_randomises_from_the_output_down_and_leaves_the_model_alone() -> None:
    torch.manual_seed(0)
    model = build_lab_model("cnn", {"blocks": 2}, (3, 16, 16), ["a", "b"], [0.5] * 3, [0.2] * 3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    groups = layer_groups(model)
    assert [name for name, _ in groups][-1].endswith("(Linear)")
    assert len(groups) == 5 and all(len(m) == 2 for _, m in groups[:4])  # conv + its BatchNorm
    names = [name for name, _ in cascade_models(model)]
    assert names == [name for name, _ in reversed(groups)]
    *_, (_, first) = cascade_models(model)  # the last stage: every layer randomised
    *_, (_, second) = cascade_models(model)
    pairs = list(zip(first.parameters(), second.parameters(), model.parameters(), strict=True))
    assert all(torch.equal(p, q) for p, q, _ in pairs)  # seeded: the same weights every time
    assert all(not torch.equal(p, trained) for p, _, trained in pairs if p.ndim >= 2)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_verdicts_in_plain_words() -> None:
    assert sanity_verdict(0.15, 0.2).startswith("Passes") and sanity_passed(0.15, 0.2)
    assert sanity_verdict(0.85, 0.2).startswith("Fails") and not sanity_passed(0.85)
    assert sanity_verdict(0.3, 0.7).startswith("Half passes") and not sanity_passed(0.3, 0.7)
    assert "which class" in sanity_verdict(0.3, 0.2, top_layer_rank_correlation=0.9)
    assert "which class" not in sanity_verdict(0.3, 0.2, top_layer_rank_correlation=0.4)


def test_trust_refuses_tables_and_unknown_options() -> None:
    ds = load_dataset("breast-cancer")
    table_model = build_lab_model(
        "mlp", {}, ds.input_shape, ds.classes, [], [], task="tabular-classification"
    )
    with pytest.raises(LabInputError, match="image classifiers"):
        trust_report(table_model, ds, "saliency")
    with pytest.raises(LabInputError, match="unknown trust option"):
        trust_report(table_model, ds, "saliency", stepz=3)


# --- real runs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("trust_home")


@pytest.fixture(scope="module")
def digits_run(home: Path):
    return train("digits", model="seed-cnn", epochs=3, seed=0, store=RunStore(home))


@pytest.fixture(scope="module")
def shapes_run(home: Path):
    data = {"n_per_class": 200}
    return train("shapes", model="cnn", epochs=10, seed=0, data_options=data, store=RunStore(home))


@pytest.fixture(scope="module")
def progress_calls() -> list:
    return []


@pytest.fixture(scope="module")
def digits_reports(digits_run, progress_calls: list) -> dict[str, dict]:
    def progress(fraction: float, text: str) -> None:
        progress_calls.append((fraction, text))

    return {m: trust_report(digits_run, None, m, progress=progress) for m in DIGITS_METHODS}


@pytest.fixture(scope="module")
def shapes_reports(shapes_run) -> dict[str, dict]:
    return {
        "grad-cam": trust_report(shapes_run, None, "grad-cam"),
        "integrated-gradients": trust_report(shapes_run, None, "integrated-gradients", n_images=16),
    }


def test_guided_backprop_survives_randomisation_more_than_saliency(digits_reports) -> None:
    sal, gbp = digits_reports["saliency"], digits_reports["guided-backprop"]
    assert gbp["sanity_rank_correlation"] > sal["sanity_rank_correlation"]
    assert sal["sanity_passed"] and sal["verdict"].startswith("Passes")
    ig = digits_reports["integrated-gradients"]
    assert ig["sanity_rank_correlation"] > 0.5 and not ig["sanity_passed"]
    assert ig["verdict"].startswith("Fails")
    assert [c["layer"] for c in sal["cascade"]] == ["net.4 (Linear)", "net.0 (Conv2d)"]
    assert sal["cascade"][-1]["rank_correlation"] == sal["sanity_rank_correlation"]
    assert -1 <= sal["label_rank_correlation"] <= 1 and 0 < sal["sanity_ssim"] < 1


def test_maps_of_a_trained_model_beat_a_random_pixel_order(digits_reports) -> None:
    for method, r in digits_reports.items():
        assert r["deletion_auc"] < r["random_deletion_auc"], method
        assert r["insertion_auc"] > r["random_insertion_auc"], method
        assert r["infidelity"] >= 0 and r["sensitivity"] >= 0
    ig, sal = digits_reports["integrated-gradients"], digits_reports["saliency"]
    assert ig["infidelity"] < sal["infidelity"]  # IG's sums predict the drop; |gradients| don't


def test_report_is_json_ready_with_curves_and_progress(digits_reports, progress_calls) -> None:
    r = digits_reports["saliency"]
    json.dumps(r, allow_nan=False)
    curves = r["curves"]
    assert len(curves["fraction"]) == 21 and curves["fraction"][-1] == 1.0
    assert r["deletion_auc"] == pytest.approx(curve_auc(curves["deletion"]))
    assert r["mask_mass"] is None and r["pointing_game"] is None  # digits have no masks
    assert r["n_images"] == 32 and r["seconds"]["total"] > 0
    fractions = [f for f, _ in progress_calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions.count(1.0) == 3


def test_the_shuffled_label_model_is_trained_once_per_run(digits_run, digits_reports) -> None:
    weights = Path(digits_run.folder) / "trust" / "label_random.safetensors"
    assert weights.is_file()
    assert all(digits_reports[m]["seconds"]["label_model"] < 0.5 for m in DIGITS_METHODS[1:])


def test_a_second_call_reads_the_cached_report(digits_run, digits_reports, monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("recomputed instead of reading the cache")

    monkeypatch.setattr(trust, "_compute", fail)
    assert trust_report(digits_run, None, "saliency") == digits_reports["saliency"]
    assert (Path(digits_run.folder) / "trust" / "saliency.json").is_file()
    with pytest.raises(AssertionError, match="recomputed"):  # other settings: another entry
        trust_report(digits_run, None, "saliency", n_images=8)


def test_gradcam_and_ig_put_more_mass_on_the_object_than_random(shapes_reports) -> None:
    for method, r in shapes_reports.items():
        assert r["mask_mass"] > r["random_mask_mass"] + 0.05, method
        assert r["pointing_game"] > r["random_pointing_game"], method


@pytest.fixture(scope="module")
def cli(home, digits_run, shapes_run, digits_reports, shapes_reports) -> dict:
    """`lepton explain RUN --trust --json`: grad-cam on digits (not computed yet), and on
    shapes (cached by shapes_reports)."""
    commands = {
        name: ["explain", run.id, "--method", "grad-cam", "--trust", "--json"]
        for name, run in (("digits", digits_run), ("shapes", shapes_run))
    }
    return {k: r.json() for k, r in run_lepton_many(home, commands).items()}


def test_cli_trust_numbers_are_trust_reports(cli, digits_run) -> None:
    obj = cli["digits"]
    assert {"run_id", "method", "shape", "predicted", "confidence"} <= set(obj)  # still there
    fresh = trust_report(digits_run, None, "grad-cam", cache=False)
    for key in ("deletion_auc", "insertion_auc", "random_deletion_auc", "infidelity",
                "sensitivity", "sanity_rank_correlation"):  # fmt: skip
        assert obj[key] == pytest.approx(fresh[key], abs=1e-6), key
    assert "mask_mass" not in obj and "pointing_game" not in obj


def test_cli_trust_on_shapes_adds_the_mask_numbers(cli, shapes_reports) -> None:
    obj, report = cli["shapes"], shapes_reports["grad-cam"]
    for key in ("mask_mass", "random_mask_mass", "pointing_game", "sanity_rank_correlation"):
        assert obj[key] == report[key], key
