"""The VAE (image-generation): targets via the CLI, losses, metrics, latent-space operations."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from lepton_core.api import explain, load_run, make_config, train
from lepton_core.data import load_dataset
from lepton_core.errors import LabInputError
from lepton_core.generate import (
    encode,
    explain_latent,
    interpolate,
    project,
    reconstruct,
    sample,
    traverse,
)
from lepton_core.metrics.generative import latent_knn_accuracy
from lepton_core.runs import RunStore
from lepton_core.tasks import fit_dataset, run_task
from lepton_core.tasks.generation import GAUSSIAN_SIGMA, kl_divergence, recon_nll, vae_loss
from tests.data.make_sample_zip import make_sample_zip
from tests.lepton_cli import run_lepton, run_lepton_many

METRICS = ("test_recon_loss", "baseline_recon_loss", "test_recon_sse", "baseline_recon_sse",
           "test_kl", "test_elbo", "latent_knn_accuracy")  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("vae_home")


@pytest.fixture(scope="module")
def cli_runs(home: Path) -> dict:
    """The issue's command (defaults: 30 epochs), and an 8-D latent with Bernoulli, 3 epochs."""
    commands = {
        "digits2d": ["train", "--data", "digits", "--model", "vae", "--latent-dim", "2", "--json"],
        "digits8d": ["train", "--data", "digits", "--model", "vae", "--latent-dim", "8",
                     "--likelihood", "bernoulli", "--beta", "0.5", "--epochs", "3", "--json"],
    }  # fmt: skip
    return {k: r.json() for k, r in run_lepton_many(home, commands).items()}


@pytest.fixture(scope="module")
def small_run(home: Path, cli_runs: dict):
    """The 8-D run, loaded through the API."""
    return load_run(cli_runs["digits8d"]["run_id"], RunStore(home))


# ---------------------------------------------------------------- targets (the "done when")


def test_digits_2d_vae_halves_the_mean_image_squared_error_within_30_epochs(cli_runs) -> None:
    out = cli_runs["digits2d"]
    m = out["metrics"]
    assert out["task"] == "image-generation" and out["model"] == "vae"
    assert set(METRICS) <= set(m)
    assert out["epochs_completed"] <= 30
    assert m["test_recon_sse"] <= 0.5 * m["baseline_recon_sse"]
    assert m["test_recon_loss"] < m["baseline_recon_loss"]


def test_digits_2d_latent_space_separates_the_digits(cli_runs) -> None:
    assert cli_runs["digits2d"]["metrics"]["latent_knn_accuracy"] >= 0.8


def test_elbo_is_minus_reconstruction_plus_kl(cli_runs) -> None:
    for out in cli_runs.values():
        m = out["metrics"]
        assert m["test_elbo"] == pytest.approx(-(m["test_recon_loss"] + m["test_kl"]), rel=1e-5)
        assert m["test_kl"] > 0


def test_options_reach_the_model_and_live_history_has_every_loss_part(small_run) -> None:
    net = small_run.model().net
    assert (net.latent_dim, net.beta, net.likelihood) == (8, 0.5, "bernoulli")
    history = small_run.history()
    assert len(history) == 3
    for row in history:
        for split in ("train", "val"):
            parts = [row[f"{split}_{k}"] for k in ("loss", "recon", "kl", "elbo")]
            loss, recon, kl, elbo = parts
            assert loss == pytest.approx(recon + 0.5 * kl, rel=1e-4)
            assert elbo == pytest.approx(-(recon + kl), rel=1e-4)
    assert history[-1]["train_recon"] < history[0]["train_recon"]


def test_a_vae_trains_on_an_uploaded_zip(lepton_home, tmp_path) -> None:
    upload = make_sample_zip(tmp_path / "upload.zip")
    run = train(upload, model="vae", epochs=2, model_options={"latent_dim": 4})
    assert run.status == "done", run.record.error
    assert run.config.task == "image-generation"
    assert set(METRICS) <= set(run.metrics)
    assert run.model().net.input_shape[0] == 3  # colour images, colour VAE
    assert len(run.evaluation()["latent"][0]) == 4


# ---------------------------------------------------------------- refusals and defaults


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--latent-dim", "1"], "latent size must be between 2 and 64"),
        (["--latent-dim", "65"], "latent size must be between 2 and 64"),
        (["--beta", "0"], "beta must be > 0"),
        (["--likelihood", "poisson"], "invalid choice"),
    ],
)
def test_bad_vae_options_exit_2_and_store_nothing(home, args, message) -> None:
    fresh = home / f"bad{abs(hash(tuple(args)))}"
    fresh.mkdir()
    r = run_lepton(fresh, "train", "--data", "digits", "--model", "vae", "--epochs", "1", *args)
    assert r.code == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert RunStore(fresh).list_runs() == []


def test_a_model_that_does_not_fit_the_data_is_refused_before_a_run_exists(lepton_home) -> None:
    with pytest.raises(LabInputError, match="does not fit image-classification data.*vae"):
        train("digits", model="lstm", epochs=1)
    with pytest.raises(LabInputError, match="'vae' does not fit tabular-classification"):
        train("breast-cancer", model="vae", epochs=1)
    assert RunStore().list_runs() == []
    assert run_task("image-classification", "vae") == "image-generation"
    assert run_task("image-classification", "cnn") == "image-classification"


def test_the_vae_family_trains_30_epochs_at_batch_32_unless_told_otherwise() -> None:
    spec = make_config("digits", "vae").train
    assert (spec.epochs, spec.batch_size) == (30, 32)
    spec = make_config("digits", "vae", epochs=4, batch_size=64).train
    assert (spec.epochs, spec.batch_size) == (4, 64)
    assert make_config("digits", "cnn").train.epochs == 15


# ---------------------------------------------------------------- losses and metrics


def test_kl_is_zero_at_the_prior_and_positive_elsewhere() -> None:
    zero = torch.zeros(3, 4)
    assert torch.allclose(kl_divergence(zero, zero), torch.zeros(3))
    kl = kl_divergence(torch.ones(1, 4), torch.zeros(1, 4))  # 0.5 * sum(mu^2) = 2
    assert kl.item() == pytest.approx(2.0)


def test_reconstruction_nll_in_nats_for_both_likelihoods() -> None:
    x = torch.tensor([[[[0.0, 1.0], [1.0, 0.0]]]])
    logits = torch.tensor([[[[0.0, 0.0], [0.0, 0.0]]]])  # p = 0.5 everywhere
    assert recon_nll(logits, x, "bernoulli").item() == pytest.approx(4 * math.log(2), rel=1e-6)
    perfect = torch.logit(torch.full_like(x, 0.5))
    half = torch.full_like(x, 0.5)
    const = 4 * (math.log(GAUSSIAN_SIGMA) + 0.5 * math.log(2 * math.pi))
    assert recon_nll(perfect, half, "gaussian").item() == pytest.approx(const, rel=1e-5)
    off = recon_nll(perfect, x, "gaussian").item() - const  # each pixel 0.5 away
    assert off == pytest.approx(4 * 0.5 * (0.5 / GAUSSIAN_SIGMA) ** 2, rel=1e-5)


def test_vae_loss_weights_kl_by_beta() -> None:
    x = torch.rand(2, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    out = (torch.zeros_like(x), torch.ones(2, 3), torch.zeros(2, 3))
    one, four = vae_loss(out, x, beta=1.0), vae_loss(out, x, beta=4.0)
    assert four["loss"] - one["loss"] == pytest.approx(3 * one["kl"].item(), rel=1e-5)
    assert one["elbo"] == four["elbo"]


def test_latent_knn_accuracy_votes_among_the_nearest_train_codes() -> None:
    z_train = np.array([[0, 0], [0, 1], [1, 0], [10, 10], [10, 11], [11, 10]], dtype=float)
    y_train = np.array([0, 0, 0, 1, 1, 1])
    z_test = np.array([[0.5, 0.5], [10.5, 10.5], [9, 9]])
    assert latent_knn_accuracy(z_train, y_train, z_test, np.array([0, 1, 1]), k=3) == 1.0
    assert latent_knn_accuracy(z_train, y_train, z_test, np.array([1, 1, 1]), k=3) == 2 / 3


# ---------------------------------------------------------------- latent-space operations


@pytest.fixture(scope="module")
def vae(small_run):
    return small_run.model()


@pytest.fixture(scope="module")
def test_images(small_run) -> torch.Tensor:
    return small_run.dataset.x["test"][:6]


def test_run_dataset_of_a_vae_run_is_generation_data(small_run) -> None:
    assert small_run.dataset.task == "image-generation"
    assert fit_dataset(load_dataset("digits"), "cnn").task == "image-classification"


def test_reconstructions_and_samples_are_images_in_unit_range(vae, test_images) -> None:
    for images in (reconstruct(vae, test_images), sample(vae, 5, seed=3)):
        assert images.shape[1:] == (1, 28, 28)
        assert images.min() >= 0 and images.max() <= 1
    assert torch.equal(sample(vae, 4, seed=3), sample(vae, 4, seed=3))
    assert not torch.equal(sample(vae, 4, seed=3), sample(vae, 4, seed=4))


def test_interpolation_runs_from_one_reconstruction_to_the_other(vae, test_images) -> None:
    a, b = test_images[0], test_images[1]
    path = interpolate(vae, a, b, steps=10)
    assert path.shape == (10, 1, 28, 28)
    ends = reconstruct(vae, torch.stack([a, b]))
    assert torch.allclose(path[0], ends[0], atol=1e-5) and torch.allclose(
        path[-1], ends[1], atol=1e-5
    )
    with pytest.raises(LabInputError, match="steps"):
        interpolate(vae, a, b, steps=1)


def test_traversal_moves_one_dimension_and_holds_the_rest(vae, test_images) -> None:
    row = traverse(vae, test_images[0], dim=2, values=[-2.0, 0.0, 2.0])
    assert row.shape == (3, 1, 28, 28)
    assert not torch.allclose(row[0], row[2])
    with pytest.raises(LabInputError, match="between 0 and 7"):
        traverse(vae, test_images[0], dim=8)


def test_projection_is_identity_in_2d_and_pca_above(vae, test_images, cli_runs, home) -> None:
    z8 = encode(vae, test_images).numpy()
    p8 = project(z8)
    assert not p8.is_identity and p8.axes.shape == (2, 8)
    assert np.allclose(p8.axes @ p8.axes.T, np.eye(2), atol=1e-6)
    assert p8.explained[0] >= p8.explained[1] > 0
    pts = p8.to_2d(z8)
    assert np.allclose(p8.to_2d(p8.to_latent(pts)), pts, atol=1e-6)
    z2 = np.array([[0.5, -1.0], [2.0, 3.0]])
    p2 = project(z2)
    assert p2.is_identity and np.allclose(p2.to_2d(z2), z2) and np.allclose(p2.to_latent(z2), z2)


def test_latent_explanations_are_shaped_like_the_input_and_depend_on_the_dimension(
    vae, test_images, small_run
) -> None:
    x = test_images[:2]
    a0 = explain_latent(vae, x, 0, "integrated-gradients")
    a1 = explain_latent(vae, x, 1, "integrated-gradients")
    assert a0.shape == x.shape and a0.abs().sum() > 0
    assert not torch.allclose(a0, a1)
    via_api = explain(small_run, x, method="saliency", target=1)
    assert via_api.shape == x.shape and via_api.abs().sum() > 0
    with pytest.raises(LabInputError, match="between 0 and 7"):
        explain_latent(vae, x, 9)


def test_cli_explains_a_latent_dimension_of_a_vae_run(home, cli_runs, tmp_path) -> None:
    run_id = cli_runs["digits8d"]["run_id"]
    out = tmp_path / "latent.npy"
    r = run_lepton(home, "explain", run_id, "--method", "saliency", "--index", "2",
                   "--target", "3", "--out", str(out), "--json")  # fmt: skip
    obj = r.json()
    assert obj["task"] == "image-generation" and obj["latent_dim"] == 3
    attr = np.load(out)
    assert attr.shape == (1, 28, 28) and np.abs(attr).sum() > 0
    bad = run_lepton(home, "explain", run_id, "--method", "saliency", "--target", "8")
    assert bad.code == 2 and "between 0 and 7" in bad.stderr
