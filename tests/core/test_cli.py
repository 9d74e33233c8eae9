"""The `lepton` command as a user runs it: `python -m lepton_core ...` in a subprocess."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lepton_core.data import DATASETS
from lepton_core.models import load_lab_model
from tests.lepton_cli import CliResult, run_lepton, run_lepton_many

# One method per family (gradient, CAM, perturbation) through the CLI; every registered method is
# run in-process by tests/core/test_explain_methods.py, so 14 subprocesses here would add nothing.
METHODS = ["integrated-gradients", "grad-cam", "occlusion"]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli_home")


@pytest.fixture(scope="module")
def trained(home: Path) -> dict:
    """`lepton train --data digits --model seed-cnn --epochs 1 --json`, once for the module."""
    args = ["train", "--data", "digits", "--model", "seed-cnn", "--epochs", "1", "--json"]
    return run_lepton(home, *args).json()


@pytest.fixture(scope="module")
def explained(home: Path, trained: dict) -> dict[str, CliResult]:
    """`lepton explain` with every method (and one .png), run two at a time."""
    run = trained["run_id"]
    commands = {
        m: ["explain", run, "--method", m, "--index", "3", "--out", f"{m}.npy", "--json"]
        for m in METHODS
    }  # relative --out: the CLI runs with LEPTON_HOME as its working directory
    commands["png"] = ["explain", run, "--out", "x.png", "--json"]
    return run_lepton_many(home, commands)


def test_datasets_json_lists_the_builtins(home: Path) -> None:
    obj = run_lepton(home, "datasets", "--json").json()
    names = [d["name"] for d in obj["datasets"]]
    assert names == DATASETS.names() and {"digits", "shapes"} <= set(names)
    assert all({"name", "task", "description"} <= set(d) for d in obj["datasets"])


def test_train_json_summarises_the_run(trained: dict) -> None:
    assert {"run_id", "task", "model", "epochs_completed", "train_seconds", "metrics"} <= set(
        trained
    )
    assert trained["task"] == "image-classification" and trained["model"] == "seed-cnn"
    assert trained["status"] == "done" and trained["epochs_completed"] == 1
    assert trained["train_seconds"] > 0
    assert 0.5 < trained["metrics"]["test_accuracy"] <= 1.0


def test_train_stores_the_run_under_lepton_home(home: Path, trained: dict) -> None:
    folder = home / "runs" / trained["run_id"]
    assert (home / "lepton.db").is_file()
    assert {"config.json", "checkpoint.safetensors", "model.json"} <= {
        p.name for p in folder.iterdir()
    }


def test_runs_json_lists_the_trained_run(home: Path, trained: dict) -> None:
    rows = run_lepton(home, "runs", "--json").json()["runs"]
    row = next(r for r in rows if r["run_id"] == trained["run_id"])
    assert row["status"] == "done" and row["model"] == "seed-cnn" and row["data"] == "digits"
    assert row["test_accuracy"] == trained["metrics"]["test_accuracy"]


def test_evaluate_json_gives_metrics_and_confident_mistakes(home: Path, trained: dict) -> None:
    obj = run_lepton(home, "evaluate", trained["run_id"], "--json").json()
    m = obj["metrics"]
    assert m["test_accuracy"] == trained["metrics"]["test_accuracy"]
    assert len(m["per_class"]) == 10 and len(m["confusion_matrix"]) == 10
    assert sum(map(sum, m["confusion_matrix"])) == 270
    mistakes = obj["confident_mistakes"]
    assert len(mistakes) <= 5
    assert all(x["true"] != x["pred"] for x in mistakes)
    confidences = [x["confidence"] for x in mistakes]
    assert confidences == sorted(confidences, reverse=True)


@pytest.mark.parametrize("method", METHODS)
def test_explain_writes_attributions_shaped_like_the_image(
    home: Path, explained: dict, method: str
) -> None:
    obj = explained[method].json()
    assert obj["method"] == method and obj["index"] == 3
    attr = np.load(home / f"{method}.npy")
    assert attr.shape == (1, 28, 28) and obj["shape"] == [1, 28, 28]
    assert np.isfinite(attr).all() and np.abs(attr).sum() > 0
    assert obj["predicted"] in [str(i) for i in range(10)] and 0 < obj["confidence"] <= 1


def test_explain_png_is_an_enlarged_overlay(home: Path, explained: dict) -> None:
    obj = explained["png"].json()
    assert obj["method"] == "saliency" and obj["out"] == "x.png"
    with Image.open(home / "x.png") as img:
        assert img.format == "PNG" and img.size == (28 * 8, 28 * 8) and img.mode == "RGB"


def test_export_safetensors_writes_a_loadable_model(
    home: Path, trained: dict, tmp_path: Path
) -> None:
    out = tmp_path / "exported"
    args = ["export", trained["run_id"], "--format", "safetensors", "--out", str(out), "--json"]
    obj = run_lepton(home, *args).json()
    assert obj["files"] == ["checkpoint.safetensors", "config.json", "model.json"]
    assert Path(obj["out"]) == out
    model = load_lab_model(out)
    assert model.meta["model"] == "seed-cnn" and len(model.meta["classes"]) == 10


# ---------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad_inputs(home: Path, trained: dict) -> dict[str, CliResult]:
    """Each wrong command a workshop participant might type, run two at a time."""
    run = trained["run_id"]
    (home / "notes.zip").write_text("this is not a zip archive")
    digits = ["train", "--data", "digits", "--json"]
    commands = {
        "unknown dataset": ["train", "--data", "mnist-but-not", "--json"],
        "unknown model": [*digits, "--model", "resnet-9000"],
        "bad option": [*digits, "--optimizer", "rmsprop"],
        "unknown flag": [*digits, "--colour", "blue"],
        "unknown method": ["explain", run, "--method", "magic", "--json"],
        "bad run id": ["evaluate", "no-such-run", "--json"],
        "non-zip .zip file": ["train", "--data", str(home / "notes.zip"), "--json"],
        "epochs 0": [*digits, "--epochs", "0"],
        "lr -1": [*digits, "--lr", "-1"],
        "export onto a file": ["export", run, "--out", str(home / "notes.zip"), "--json"],
        "explain into a missing folder": [
            "explain", run, "--out", str(home / "missing" / "x.npy"), "--json"
        ],
    }  # fmt: skip
    return run_lepton_many(home, commands)


BAD = {
    "unknown dataset": "mnist-but-not",
    "unknown model": "resnet-9000",
    "bad option": "rmsprop",
    "unknown flag": "--colour",
    "unknown method": "magic",
    "bad run id": "no-such-run",
    "non-zip .zip file": "not a zip archive",
    "epochs 0": "epochs",
    "lr -1": "learning rate",
    "export onto a file": "notes.zip",
    "explain into a missing folder": "x.npy",
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_exits_2_with_one_clear_line(bad_inputs: dict, case: str) -> None:
    result = bad_inputs[case]
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("lepton: error: ")
    assert BAD[case] in lines[0]


def test_bad_input_leaves_earlier_runs_intact(home: Path, trained: dict, bad_inputs) -> None:
    rows = run_lepton(home, "runs", "--json").json()["runs"]
    assert any(r["run_id"] == trained["run_id"] and r["status"] == "done" for r in rows)
    assert not [r for r in rows if r["status"] == "failed"]  # refused before a run is stored
