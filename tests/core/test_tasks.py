"""Tables and time series end to end: targets, CSV uploads and bad input, via the CLI."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lepton_core.api import load_run, train
from lepton_core.data import DATASETS, load_dataset
from lepton_core.explain import attribute
from lepton_core.runs import RunStore
from tests.lepton_cli import run_lepton, run_lepton_many

TABLE_AND_SERIES = [n for n in DATASETS.names() if not DATASETS.get(n).task.startswith("image")]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tasks_home")


@pytest.mark.parametrize("name", TABLE_AND_SERIES)
def test_every_table_and_series_builtin_loads_split_and_typed(name: str) -> None:
    ds = load_dataset(name)
    assert ds.task == DATASETS.get(name).task
    sizes = ds.sizes()
    assert all(n > 0 for n in sizes.values())
    for split in ("train", "val", "test"):
        assert ds.x[split].dtype == torch.float32 and len(ds.x[split]) == len(ds.y[split])
    if ds.task == "tabular-classification":
        assert ds.y["train"].dtype == torch.int64 and ds.n_outputs == len(ds.classes) >= 2
    elif ds.task == "tabular-regression":
        assert ds.y["train"].shape[1:] == (1,) and abs(float(ds.y["train"].mean())) < 1e-4
    else:
        assert ds.x["train"].ndim == 3 and ds.y["train"].shape[1] == ds.meta["horizon"]
    json.dumps(ds.meta)  # the preprocessing is JSON, never a pickle


@pytest.fixture(scope="module")
def targets(home: Path) -> dict:
    """The issue's example commands, two at a time."""
    commands = {
        "breast-cancer": ["train", "--data", "breast-cancer", "--model", "mlp", "--json"],
        "diabetes": ["train", "--data", "diabetes", "--model", "mlp", "--json"],
        "seasonal": ["train", "--data", "seasonal", "--model", "lstm", "--json"],
        "stocks": ["train", "--data", "stocks", "--target", "GOOG", "--model", "gru",
                   "--lookback", "30", "--horizon", "5", "--json"],
    }  # fmt: skip
    return {k: r.json() for k, r in run_lepton_many(home, commands).items()}


def test_breast_cancer_mlp_reaches_095_beside_the_linear_baseline(targets) -> None:
    m = targets["breast-cancer"]["metrics"]
    assert targets["breast-cancer"]["task"] == "tabular-classification"
    assert m["test_accuracy"] >= 0.95 and m["linear_accuracy"] >= 0.9
    assert 0.9 <= m["test_roc_auc"] <= 1.0


def test_diabetes_mlp_is_within_005_r2_of_ridge_on_the_same_split(targets) -> None:
    m = targets["diabetes"]["metrics"]
    assert {"test_mae", "test_rmse", "test_r2", "linear_r2"} <= set(m)
    assert m["test_r2"] >= m["linear_r2"] - 0.05


def test_seasonal_lstm_beats_the_naive_forecast_clearly(targets) -> None:
    m = targets["seasonal"]["metrics"]
    assert m["test_mae"] <= 0.7 * m["naive_mae"]
    assert {"test_rmse", "naive_rmse", "test_smape", "seasonal_naive_mae"} <= set(m)


def test_stocks_reports_model_and_naive_honestly(targets) -> None:
    m = targets["stocks"]["metrics"]
    assert m["test_mae"] > 0 and m["naive_mae"] > 0  # whichever wins, both are there
    assert targets["stocks"]["task"] == "forecasting"


def test_runs_keep_their_preprocessing_as_json(home: Path, targets) -> None:
    folder = home / "runs" / targets["diabetes"]["run_id"]
    prep = json.loads((folder / "preprocessing.json").read_text())
    assert prep["target"] == "target" and len(prep["features"]) == 10
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.pickle"))


def test_integrated_gradients_on_a_table_is_complete(home: Path, targets) -> None:
    """IG attributions sum to f(x) - f(baseline): an independent check of the whole chain."""
    run = load_run(targets["diabetes"]["run_id"], RunStore(home))
    model, x = run.model(), run.dataset.x["test"][:3]
    attr = attribute(model, x, "integrated-gradients", target=0)
    with torch.no_grad():
        gap = (model(x) - model(torch.zeros_like(x)))[:, 0]
    torch.testing.assert_close(attr.sum(dim=1), gap, atol=0.02, rtol=0.05)


def test_forecast_explanations_are_time_step_by_feature(home: Path, targets) -> None:
    run = load_run(targets["seasonal"]["run_id"], RunStore(home))
    window = run.dataset.x["test"][0]
    for method in ("integrated-gradients", "saliency", "feature-ablation"):
        attr = attribute(run.model(), window, method, target=0)
        assert attr.shape == window.shape == (48, 1)
        assert attr.abs().sum() > 0


CSV_ROWS = "".join(f"{20 + i % 40},{['a', 'b', 'c'][i % 3]},{i % 2}\n" for i in range(60))
BAD_CSV = {
    "empty": (b"", "empty"),
    "header only": (b"x,y,label\n", "no rows"),
    "single-value target": (("x,y,label\n" + "1,2,1\n" * 30).encode(), "single value"),
    "utf-16": ("x,y,label\n1,2,3\n".encode("utf-16"), "UTF-16"),
    "binary garbage": (bytes(range(256)) * 40, "binary"),
    "10,000 columns": ((",".join(f"c{i}" for i in range(10_000)) + ",label\n").encode(), "columns"),
}


@pytest.fixture(scope="module")
def csv_runs(home: Path) -> dict:
    good = home / "people.csv"
    good.write_text("age,group,label\n" + CSV_ROWS)
    series = home / "series.csv"
    series.write_text("when,value\n" + "".join(
        f"{1 + i % 28:02d}/{1 + i // 28:02d}/2024,{i % 7 + 0.1 * i}\n" for i in range(300)
    ))  # fmt: skip
    commands = {
        "table": ["train", "--data", str(good), "--target", "label", "--model", "mlp",
                  "--epochs", "2", "--json"],
        "series": ["train", "--data", str(series), "--task", "forecasting", "--target", "value",
                   "--lookback", "14", "--model", "gru", "--epochs", "2", "--json"],
    }  # fmt: skip
    for name, (data, _) in BAD_CSV.items():
        path = home / f"{name.replace(' ', '_').replace(',', '')}.csv"
        path.write_bytes(data)
        commands[name] = ["train", "--data", str(path), "--target", "label", "--json"]
    return run_lepton_many(home, commands)


def test_csv_uploads_train_as_tables_and_series(csv_runs) -> None:
    assert csv_runs["table"].json()["task"] == "tabular-classification"
    assert csv_runs["series"].json()["metrics"]["naive_mae"] > 0


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_csv_exits_2_with_one_clear_line_and_stores_nothing(home, csv_runs, case) -> None:
    result = csv_runs[case]
    lines = result.stderr.strip().splitlines()
    assert result.code == 2 and len(lines) == 1, result.stderr
    assert BAD_CSV[case][1].lower() in lines[0].lower(), lines[0]
    stored = [r for r in run_lepton(home, "runs", "--json").json()["runs"]]
    assert all(r["status"] == "done" for r in stored)  # no half-stored, failed runs


def test_python_api_trains_a_table_in_process(tmp_path) -> None:
    run = train("wine", model="mlp", epochs=3, store=RunStore(tmp_path))
    assert run.status == "done" and run.record.task == "tabular-classification"
    assert np.isfinite(run.metrics["test_accuracy"])
