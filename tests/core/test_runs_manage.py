"""Run management: tags, delete, migration, the Runs table, `lepton runs` and `train --config`."""

import json
import os
import sqlite3
from pathlib import Path

import pytest

from lepton_core.api import make_config
from lepton_core.errors import LabInputError
from lepton_core.runs import RunStore
from lepton_core.runs.store import RunRecord
from lepton_core.runs.table import (
    cli_row,
    curves_frame,
    default_comparison,
    filter_runs,
    headline_metric,
    hyperparams_frame,
    run_row,
)
from tests.lepton_cli import run_lepton, run_lepton_many

# the runs table as the first schema made it (before tags): a database users already have
OLD_SCHEMA = """
CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
    task TEXT NOT NULL, data TEXT NOT NULL, model TEXT NOT NULL, config TEXT NOT NULL,
    metrics TEXT NOT NULL DEFAULT '{}', progress TEXT NOT NULL DEFAULT '{}',
    error TEXT NOT NULL DEFAULT '', epochs_completed INTEGER NOT NULL DEFAULT 0,
    train_seconds REAL, pid INTEGER, cancel_requested INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL, started REAL, finished REAL);
"""


def finished_run(store: RunStore, lr: float = 4e-3, accuracy: float = 0.9, **kw) -> str:
    """A run recorded through the store as a worker would (two epochs, then done)."""
    run_id = store.create_run(make_config("digits", model="seed-cnn", epochs=2, lr=lr, **kw))
    store.mark_running(run_id, os.getpid())
    for epoch in (1, 2):
        store.add_epoch(run_id, {"epoch": epoch, "val_loss": 1 / epoch, "val_accuracy": accuracy})
    store.finish(run_id, "done", metrics={"test_accuracy": accuracy, "per_class": []})
    return run_id


def test_tags_are_cleaned_added_and_replaced(lepton_home: Path) -> None:
    store = RunStore()
    run_id = finished_run(store)
    assert store.get(run_id).tags == []
    assert store.add_tags(run_id, [" lr  sweep ", "demo", "", "demo"]) == ["lr sweep", "demo"]
    assert store.add_tags(run_id, ["best"]) == ["lr sweep", "demo", "best"]
    assert store.set_tags(run_id, ["best"]) == ["best"]
    assert store.get(run_id).tags == ["best"]
    with pytest.raises(LabInputError, match="at most 40"):
        store.set_tags(run_id, ["x" * 41])
    with pytest.raises(LabInputError, match="no run"):
        store.add_tags("no-such-run", ["a"])
    with pytest.raises(LabInputError, match="no run"):
        store.rename("no-such-run", "a name")


def test_old_database_gains_the_tags_column(lepton_home: Path) -> None:
    with sqlite3.connect(lepton_home / "lepton.db") as db:
        db.executescript(OLD_SCHEMA)
        db.execute(
            "INSERT INTO runs (id, status, task, data, model, config, created) "
            "VALUES ('old-run', 'done', 'image-classification', 'digits', 'cnn', '{}', 1.0)"
        )
    store = RunStore()
    assert store.get("old-run").tags == []
    store.set_tags("old-run", ["kept"])
    assert RunStore().get("old-run").tags == ["kept"]  # a second open does not migrate again


def test_delete_removes_rows_and_folder_but_refuses_active_runs(lepton_home: Path) -> None:
    store = RunStore()
    done, queued = finished_run(store), store.create_run(make_config("digits", epochs=1))
    running = store.create_run(make_config("digits", epochs=1))
    store.mark_running(running, os.getpid())  # this process is alive: the run is running
    store.delete(done)
    assert not store.folder(done).exists()
    assert store.history(done) == []
    with pytest.raises(LabInputError, match="no run"):
        store.get(done)
    for run_id, status in ((queued, "queued"), (running, "running")):
        with pytest.raises(LabInputError, match=f"still {status}: cancel it"):
            store.delete(run_id)
        assert store.folder(run_id).is_dir() and store.get(run_id).status == status


def test_table_rows_filters_and_comparison_frames(lepton_home: Path) -> None:
    store = RunStore()
    a, b = finished_run(store, lr=1e-3, accuracy=0.8), finished_run(store, accuracy=0.95)
    store.set_tags(a, ["sweep"])
    store.rename(b, "Fast one")
    records = store.list_runs()
    row = run_row(store.get(a))
    assert (row["status"], row["data"], row["model"], row["lr"]) == (
        "done",
        "digits",
        "seed-cnn",
        1e-3,
    )
    assert (row["metric"], row["value"], row["tags"]) == ("test accuracy", 0.8, ["sweep"])
    assert [r.id for r in filter_runs(records, tags=["sweep"])] == [a]
    assert [r.id for r in filter_runs(records, text="fast")] == [b]
    assert filter_runs(records, statuses=["failed"]) == []
    assert set(default_comparison(records)) == {a, b}
    curves = curves_frame(store, records, "val_accuracy")
    assert len(curves) == 4 and set(curves["run_id"]) == {a, b}
    params = hyperparams_frame(records, "test_accuracy").set_index("run")
    assert params.loc["Fast one", "test_accuracy"] == 0.95
    assert "per_class" not in cli_row(store.get(a))["metrics"]
    rec = RunRecord("x", "", "done", "tabular-regression", "diabetes", "mlp", {},
                    metrics={"test_mae": 40.0, "test_r2": 0.4})  # fmt: skip
    assert headline_metric(rec.metrics) == ("test_r2", "test R²", 0.4)


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> dict:
    """A trained run, then the same run again from its config.json, plus management commands."""
    home = tmp_path_factory.mktemp("runs-cli")
    first = run_lepton(home, "train", "--data", "digits", "--model", "seed-cnn", "--epochs", "1",
                       "--lr", "0.002", "--seed", "3", "--json").json()  # fmt: skip
    run_id = first["run_id"]
    config = home / "runs" / run_id / "config.json"
    results = run_lepton_many(
        home,
        {
            "again": ["train", "--config", str(config), "--json"],
            "tag": ["tag", run_id, "sweep", "best", "--json"],
        },
    )
    renamed = run_lepton(home, "rename", run_id, "my  first", "--json").json()
    return {"home": home, "first": first, "results": results, "renamed": renamed}


def test_train_config_reproduces_the_run(cli: dict) -> None:
    again = cli["results"]["again"].json()
    assert again["run_id"] != cli["first"]["run_id"]
    assert again["metrics"] == cli["first"]["metrics"]
    config = json.loads((cli["home"] / "runs" / again["run_id"] / "config.json").read_text())
    assert (config["train"]["seed"], config["train"]["lr"], config["model"]["name"]) == (
        3,
        0.002,
        "seed-cnn",
    )


def test_runs_json_lists_runs_with_tags_names_and_metrics(cli: dict) -> None:
    home, run_id = cli["home"], cli["first"]["run_id"]
    assert cli["results"]["tag"].json()["tags"] == ["sweep", "best"]
    assert cli["renamed"]["name"] == "my first"
    rows = run_lepton(home, "runs", "--json").json()["runs"]
    assert len(rows) == 2
    row = next(r for r in rows if r["run_id"] == run_id)
    assert (row["status"], row["name"], row["tags"], row["epochs_completed"]) == (
        "done",
        "my first",
        ["sweep", "best"],
        1,
    )
    assert (
        row["metrics"]["test_accuracy"]
        == row["test_accuracy"]
        == cli["first"]["metrics"]["test_accuracy"]
    )
    assert {"per_class", "confusion_matrix"}.isdisjoint(row["metrics"])
    tagged = run_lepton(home, "runs", "--tag", "sweep", "--json").json()["runs"]
    assert [r["run_id"] for r in tagged] == [run_id]


def test_delete_command_and_its_bad_input(cli: dict) -> None:
    home = cli["home"]
    victim = cli["results"]["again"].json()["run_id"]
    assert run_lepton(home, "delete", victim, "--json").json() == {
        "run_id": victim,
        "deleted": True,
    }
    assert not (home / "runs" / victim).exists()
    bad = {
        "no run": ["delete", victim],
        "--data": ["train", "--json"],
        "cannot read config": ["train", "--config", str(home / "nope.json")],
    }
    for words, result in run_lepton_many(home, bad).items():
        lines = result.stderr.strip().splitlines()
        assert result.code == 2 and result.stdout == "" and len(lines) == 1, result.stderr
        assert words in lines[0]
