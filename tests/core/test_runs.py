"""RunStore (real SQLite in tmp) and LocalExecutor (real worker processes, real training)."""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from lepton_core.api import list_runs, load_run, make_config
from lepton_core.errors import LabInputError
from lepton_core.models import load_lab_model
from lepton_core.runs import LocalExecutor, RunStore
from lepton_core.runs.store import pid_alive

WORKER_START_S = 120  # a worker imports torch, loads data and trains; slow machines need slack


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.05) -> float:
    """Poll until condition() is true; returns the seconds it took (fails on timeout)."""
    t0 = time.monotonic()
    while not condition():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(every)
    return time.monotonic() - t0


def stop_worker(pid: int) -> None:
    """Kill a worker this test started, by its pid, if it is still running; then reap it."""
    try:
        running = os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return  # already reaped: it ended (and its pid may belong to someone else now)
    if running:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def dead_pid() -> int:
    """The pid of a process that has already exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ---------------------------------------------------------------- RunStore


def test_create_get_and_list_runs(lepton_home: Path) -> None:
    store = RunStore()
    assert store.home == lepton_home
    config = make_config("digits", model="seed-cnn", epochs=3, seed=4)
    first = store.create_run(config)
    time.sleep(0.01)
    second = store.create_run(make_config("shapes", model="cnn", epochs=1))
    rec = store.get(first)
    assert rec.status == "queued" and rec.task == "image-classification"
    assert rec.data == "digits" and rec.model == "seed-cnn"
    assert rec.config == config.to_dict()
    assert (store.folder(first) / "config.json").read_text() == config.to_json()
    assert [r.id for r in store.list_runs()] == [second, first]  # newest first
    assert [r.id for r in store.list_runs(limit=1)] == [second]
    assert [r.id for r in list_runs()] == [second, first]  # the API reads the same store


def test_unknown_run_id_is_a_user_error(lepton_home: Path) -> None:
    with pytest.raises(LabInputError, match="no run with id 'nope'"):
        RunStore().get("nope")
    with pytest.raises(LabInputError):
        load_run("nope")
    with pytest.raises(LabInputError):
        RunStore().request_cancel("nope")


def test_history_progress_rename_and_finish_are_stored(lepton_home: Path) -> None:
    store = RunStore()
    run_id = store.create_run(make_config("digits", epochs=2))
    store.mark_running(run_id, os.getpid())
    store.set_progress(run_id, {"epoch": 1, "fraction": 0.5})
    store.add_epoch(run_id, {"epoch": 2, "train_loss": 0.5})
    store.add_epoch(run_id, {"epoch": 1, "train_loss": 0.9})
    store.add_epoch(run_id, {"epoch": 2, "train_loss": 0.4})  # a rewrite replaces the row
    store.rename(run_id, "my first net")
    store.finish(run_id, "done", metrics={"test_accuracy": 0.9}, train_seconds=1.5)
    rec = RunStore(lepton_home).get(run_id)  # a new store on the same folder: a restart
    assert store.history(run_id) == [
        {"epoch": 1, "train_loss": 0.9},
        {"epoch": 2, "train_loss": 0.4},
    ]
    assert rec.status == "done" and rec.name == "my first net"
    assert rec.progress == {"epoch": 1, "fraction": 0.5}
    assert rec.metrics == {"test_accuracy": 0.9} and rec.train_seconds == 1.5
    assert rec.epochs_completed == 2 and rec.pid == os.getpid()
    assert rec.started is not None and rec.finished >= rec.started >= rec.created


def test_cancelling_a_queued_run_cancels_it_at_once(lepton_home: Path) -> None:
    store = RunStore()
    run_id = store.create_run(make_config("digits", epochs=2))
    store.request_cancel(run_id)
    rec = store.get(run_id)
    assert rec.status == "cancelled" and rec.cancel_requested
    assert store.cancel_requested(run_id)


def test_database_uses_write_ahead_logging(lepton_home: Path) -> None:
    RunStore()
    with contextlib.closing(sqlite3.connect(lepton_home / "lepton.db")) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reconcile_marks_runs_with_a_dead_worker_interrupted(lepton_home: Path) -> None:
    store = RunStore()
    orphan = store.create_run(make_config("digits", epochs=2))
    alive = store.create_run(make_config("digits", epochs=2))
    finished = store.create_run(make_config("digits", epochs=2))
    queued = store.create_run(make_config("digits", epochs=2))
    gone = dead_pid()
    store.mark_running(orphan, gone)
    store.mark_running(alive, os.getpid())
    store.mark_running(finished, gone)
    store.finish(finished, "done", metrics={"test_accuracy": 1.0})
    assert store.reconcile() == [orphan]
    assert store.get(orphan).status == "interrupted"
    assert "ended unexpectedly" in store.get(orphan).error
    assert store.get(alive).status == "running"
    assert store.get(finished).status == "done"
    assert store.get(queued).status == "queued"  # no worker yet: nothing to reconcile
    assert {r.status for r in list_runs()} == {"interrupted", "running", "done", "queued"}


# ---------------------------------------------------------------- LocalExecutor


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A store with one run trained by a real worker process, and what the test saw."""
    store = RunStore(tmp_path_factory.mktemp("executor_home"))
    run_id = store.create_run(make_config("digits", model="seed-cnn", epochs=2))
    seen = [store.get(run_id).status]
    executor = LocalExecutor(store)
    pid = executor.submit(run_id)
    try:
        deadline = time.monotonic() + WORKER_START_S
        while (status := store.get(run_id).status) in ("queued", "running"):
            if status != seen[-1]:
                seen.append(status)
            assert time.monotonic() < deadline, "worker did not finish"
            time.sleep(0.02)
        seen.append(status)
        exit_code = executor.wait(run_id, timeout=30)
    finally:
        stop_worker(pid)
    return store, run_id, pid, seen, exit_code


def test_executor_trains_in_a_separate_worker_process(finished_run) -> None:
    store, run_id, pid, seen, exit_code = finished_run
    assert pid != os.getpid()
    assert seen == ["queued", "running", "done"], store.get(run_id).error
    assert exit_code == 0
    rec = store.get(run_id)
    assert rec.pid == pid and not pid_alive(pid)
    assert rec.epochs_completed == 2 and rec.train_seconds > 0
    assert 0.5 < rec.metrics["test_accuracy"] <= 1.0


def test_finished_run_has_history_checkpoint_and_reports(finished_run) -> None:
    store, run_id, *_ = finished_run
    history = store.history(run_id)
    assert [row["epoch"] for row in history] == [1, 2]
    assert all({"train_loss", "val_loss", "val_accuracy"} <= set(row) for row in history)
    folder = store.folder(run_id)
    for name in ("checkpoint.safetensors", "model.json", "evaluation.json", "data_report.json"):
        assert (folder / name).is_file(), name
    run = load_run(run_id, store)
    assert run.data_report()["counts"]["0"] > 0
    ev = run.evaluation()
    assert len(ev["y_true"]) == len(ev["probs"]) == len(run.dataset.y["test"]) == 270
    x = run.dataset.x["test"]
    with torch.no_grad():
        accuracy = (run.model()(x).argmax(1) == run.dataset.y["test"]).float().mean().item()
    assert accuracy == pytest.approx(run.metrics["test_accuracy"])  # the checkpoint is the model


def test_failing_job_ends_failed_and_leaves_earlier_runs_alone(finished_run) -> None:
    store, done_id, *_ = finished_run
    before = store.get(done_id)
    files_before = sorted(p.name for p in store.folder(done_id).iterdir())
    bad = store.create_run(make_config("digits", model="cnn", model_options={"blocks": 99}))
    executor = LocalExecutor(store)
    pid = executor.submit(bad)
    try:
        assert executor.wait(bad, timeout=WORKER_START_S) == 1
    finally:
        stop_worker(pid)
    rec = store.get(bad)
    assert rec.status == "failed"
    assert rec.error == "cnn blocks must be between 1 and 5, got 99"
    assert not (store.folder(bad) / "error.log").exists()  # a user error, not a crash
    after = store.get(done_id)
    assert after.status == "done" and after.metrics == before.metrics
    assert after.finished == before.finished
    assert sorted(p.name for p in store.folder(done_id).iterdir()) == files_before
    load_lab_model(store.folder(done_id))


def test_cancel_stops_a_long_run_and_keeps_its_checkpoint(lepton_home: Path) -> None:
    store = RunStore()
    run_id = store.create_run(make_config("digits", model="cnn", epochs=50))
    executor = LocalExecutor(store)
    pid = executor.submit(run_id)
    try:
        wait_for(
            lambda: (r := store.get(run_id)).status == "running" and r.epochs_completed >= 1,
            timeout=WORKER_START_S,
        )
        executor.cancel(run_id)
        took = wait_for(lambda: store.get(run_id).status == "cancelled", timeout=2.0)
        assert took < 2.0
        assert executor.wait(run_id, timeout=30) == 0
    finally:
        stop_worker(pid)
    rec = store.get(run_id)
    assert 1 <= rec.epochs_completed < 50
    assert rec.metrics["stop_reason"] == "cancelled"
    assert "test_accuracy" in rec.metrics
    history = store.history(run_id)
    assert [r["epoch"] for r in history] == list(range(1, rec.epochs_completed + 1))
    assert all("val_loss" in r for r in history)  # whole epochs only: the cut-short one is dropped
    assert 1 <= rec.metrics["best_epoch"] <= rec.epochs_completed
    model = load_lab_model(store.folder(run_id))
    with torch.no_grad():
        assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)
