"""The accuracy targets, reached through the `lepton` CLI as a user would (slow: real training)."""

from pathlib import Path

import pytest

from tests.lepton_cli import run_lepton

pytestmark = pytest.mark.slow

SEED_CNN_DIGITS = ["train", "--data", "digits", "--model", "seed-cnn", "--epochs", "10"]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("accuracy_home")


@pytest.fixture(scope="module")
def seed_cnn_run(home: Path) -> dict:
    return run_lepton(home, *SEED_CNN_DIGITS, "--seed", "0", "--json").json()


def test_seed_cnn_reaches_95_percent_on_digits_in_10_epochs(seed_cnn_run: dict) -> None:
    assert seed_cnn_run["epochs_completed"] == 10
    assert seed_cnn_run["metrics"]["test_accuracy"] >= 0.95
    assert seed_cnn_run["train_seconds"] > 0  # recorded; timing is judged in bench/, not here


def test_the_same_command_twice_gives_identical_metrics(home: Path, seed_cnn_run: dict) -> None:
    again = run_lepton(home, *SEED_CNN_DIGITS, "--seed", "0", "--json").json()
    assert again["run_id"] != seed_cnn_run["run_id"]
    assert again["metrics"] == seed_cnn_run["metrics"]


@pytest.mark.parametrize(("data", "target"), [("digits", 0.98), ("shapes", 0.95)])
def test_cnn_reaches_its_target(home: Path, data: str, target: float) -> None:
    result = run_lepton(home, "train", "--data", data, "--model", "cnn", "--seed", "0", "--json")
    obj = result.json()
    assert obj["status"] == "done" and obj["model"] == "cnn"
    assert obj["metrics"]["test_accuracy"] >= target
    assert obj["train_seconds"] > 0
