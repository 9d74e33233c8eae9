"""The Runs page (AppTest): list, filter, compare, rename, tag and delete runs."""

import os
from pathlib import Path

import pytest

from lepton_core.api import make_config
from lepton_core.runs import RunStore
from tests.app.conftest import open_page, texts


def record_run(
    store: RunStore, lr: float, accuracy: float, status: str = "done", model: str = "seed-cnn"
) -> str:
    """A run written to the store the way a worker writes it (two epochs, then its status)."""
    run_id = store.create_run(make_config("digits", model=model, epochs=2, lr=lr))
    store.mark_running(run_id, os.getpid())  # this process is alive: the run is running
    for epoch in (1, 2):
        row = {"epoch": epoch, "val_loss": lr / epoch, "val_accuracy": accuracy * epoch / 2}
        store.add_epoch(run_id, row)
    if status == "done":
        store.finish(run_id, "done", metrics={"test_accuracy": accuracy, "test_loss": 0.3})
    return run_id


@pytest.fixture
def runs(home: Path) -> dict[str, str]:
    """Two finished runs and one still running, in a fresh LEPTON_HOME."""
    store = RunStore(home)
    return {
        "slow": record_run(store, 1e-3, 0.8),
        "fast": record_run(store, 4e-3, 0.95, model="mlp"),
        "live": record_run(store, 2e-3, 0.5, status="running"),
    }


def test_lists_filters_and_compares_runs(runs: dict, tmp_path: Path) -> None:
    at = open_page("pages/runs.py")
    assert at.title[0].value == "Runs"
    table = at.dataframe[0].value
    assert set(table["run_id"]) == set(runs.values())
    assert set(table["status"]) == {"done", "running"}
    assert set(at.multiselect(key="runs_compare").value) == {runs["slow"], runs["fast"]}
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert len(charts) == 2 and '"parcoords"' in charts[1] and '"scatter"' in charts[0]
    assert set(at.dataframe[1].value["test_accuracy"]) == {0.8, 0.95}

    at.multiselect(key="runs_status").set_value(["running"]).run()
    assert list(at.dataframe[0].value["run_id"]) == [runs["live"]]
    at.multiselect(key="runs_status").set_value([]).run()
    at.multiselect(key="runs_model").set_value(["mlp"]).run()
    assert list(at.dataframe[0].value["run_id"]) == [runs["fast"]]
    at.multiselect(key="runs_model").set_value([]).run()
    at.text_input(key="runs_text").set_value(runs["fast"][-6:]).run()
    assert list(at.dataframe[0].value["run_id"]) == [runs["fast"]]
    assert not at.exception, at.exception


def test_rename_tag_and_delete(runs: dict, home: Path, tmp_path: Path) -> None:
    store = RunStore(home)
    at = open_page("pages/runs.py")
    at.selectbox(key="runs_manage").set_value(runs["fast"]).run()
    at.text_input(key=f"runs_name_{runs['fast']}").set_value("  Fast   one ")
    at.button[[b.label for b in at.button].index("Rename")].click().run()
    assert store.get(runs["fast"]).name == "Fast one"
    assert "Renamed" in texts(at)
    at.text_input(key=f"runs_tags_{runs['fast']}").set_value("lr sweep, best,, best")
    at.button[[b.label for b in at.button].index("Save tags")].click().run()
    assert store.get(runs["fast"]).tags == ["lr sweep", "best"]
    at.multiselect(key="runs_tag").set_value(["best"]).run()
    assert list(at.dataframe[0].value["name"]) == ["Fast one"]
    at.multiselect(key="runs_tag").set_value([]).run()

    at.selectbox(key="runs_manage").set_value(runs["live"]).run()
    at.button(key="runs_delete").click().run()
    at.button(key="runs_delete_yes").click().run()
    assert "still running: cancel it" in texts(at)
    assert store.get(runs["live"]).status == "running"

    at.selectbox(key="runs_manage").set_value(runs["slow"]).run()
    at.button(key="runs_delete").click().run()
    assert "for good" in texts(at) and store.folder(runs["slow"]).is_dir()  # asks first
    at.button(key="runs_delete_yes").click().run()
    assert not store.folder(runs["slow"]).exists()
    assert runs["slow"] not in {r.id for r in store.list_runs()}
    assert runs["slow"] not in set(at.dataframe[0].value["run_id"])
    assert not at.exception, at.exception
