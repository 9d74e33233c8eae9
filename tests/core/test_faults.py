"""Faults: a cancel in every phase, a killed worker, a full disk, a busy database.

Each fault leaves its run failed or cancelled with a clear message, and an earlier finished run's
files stay byte-identical. Real RunStore (SQLite), real training, real worker processes; faults
are injected by monkeypatching only where the real thing cannot be provoked (a full disk)."""

import dataclasses
import errno
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lepton_core.api import make_config, train
from lepton_core.data import load_dataset
from lepton_core.models import lab_model, load_lab_model
from lepton_core.runs import LocalExecutor, RunStore
from lepton_core.runs.job import LAST_STATE, run_job
from lepton_core.tasks import get_task
from lepton_core.training import Callback, Cancel, callbacks
from lepton_core.training.callbacks import saved_epoch
from tests.core.test_runs import WORKER_START_S, stop_worker, wait_for
from tests.data.corpus import file_hashes


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """A home with one earlier finished run (and its files' hashes) plus the digits data."""
    home = tmp_path_factory.mktemp("faults") / "lepton_home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        store = RunStore(home)
        earlier = train("digits", model="seed-cnn", epochs=1, store=store).id
        yield store, earlier, file_hashes(store.folder(earlier)), load_dataset("digits")


@pytest.fixture
def store(lab):
    """The shared store; after the test, the earlier run and its files are as they were."""
    store, earlier, before, _ = lab
    yield store
    assert store.get(earlier).status == "done"
    assert file_hashes(store.folder(earlier)) == before


def new_run(store: RunStore, epochs: int, **options) -> str:
    """A queued seed-cnn run on digits."""
    return store.create_run(make_config("digits", model="seed-cnn", epochs=epochs, **options))


class CancelAt(Callback):
    """Ask the store to cancel the run at (epoch, batch); note the last batch that ran."""

    def __init__(self, store: RunStore, run_id: str, epoch: int, batch: int | None) -> None:
        self.store, self.run_id, self.at = store, run_id, (epoch, batch)
        self.last, self.n_batches = None, 0

    def on_batch_end(self, trainer) -> None:
        self.last, self.n_batches = (trainer.epoch, trainer.batch), trainer.n_batches
        batch = self.at[1] if self.at[1] is not None else trainer.n_batches // 2
        if self.last == (self.at[0], batch):
            self.store.request_cancel(self.run_id)
            for cb in trainer.callbacks:  # the job's Cancel polls the store at the next batch
                if isinstance(cb, Cancel):  # (not 0.2 s later): no timing in this test
                    cb.last = 0.0


class CancelAtTrainEnd(Callback):
    """Ask for a cancel after the last batch, just before evaluation starts."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store, self.run_id = store, run_id

    def on_train_end(self, trainer) -> None:
        self.store.request_cancel(self.run_id)


def test_a_cancelled_queued_run_never_starts(store, lab) -> None:
    run_id = new_run(store, 1)
    store.request_cancel(run_id)
    assert store.get(run_id).status == "cancelled"  # at once, no worker involved
    executor = LocalExecutor(store, workers=1)
    assert executor.submit(run_id) is None  # a pool running later does not pick it up
    assert store.queue() == [] and not (store.folder(run_id) / "worker.log").exists()
    # even a worker that raced for it gives up before training
    assert run_job(store, run_id, dataset=lab[3]) == "cancelled"
    rec = store.get(run_id)
    assert rec.status == "cancelled" and rec.started is None and rec.epochs_completed == 0
    assert not (store.folder(run_id) / "checkpoint.safetensors").exists()


def test_cancel_at_the_first_batch_keeps_nothing_half_done(store, lab) -> None:
    run_id = new_run(store, 3)
    at = CancelAt(store, run_id, 0, 0)
    assert run_job(store, run_id, (at,), dataset=lab[3]) == "cancelled"
    rec = store.get(run_id)
    assert at.last == (0, 1)  # it stopped after the next batch
    assert rec.status == "cancelled" and rec.error == "cancelled before the first epoch ended"
    assert store.history(run_id) == [] and rec.epochs_completed == 0 and rec.metrics == {}
    assert not (store.folder(run_id) / "checkpoint.safetensors").exists()


def test_cancel_mid_epoch_keeps_whole_epochs_and_evaluates_the_best(store, lab) -> None:
    run_id = new_run(store, 3)
    at = CancelAt(store, run_id, 1, None)
    assert run_job(store, run_id, (at,), dataset=lab[3]) == "cancelled"
    rec = store.get(run_id)
    assert at.last == (1, at.n_batches // 2 + 1)  # stopped in epoch 2, after the next batch
    assert [row["epoch"] for row in store.history(run_id)] == [1] and rec.epochs_completed == 1
    assert rec.error.startswith("cancelled during epoch 2: the best model of the 1 whole epoch")
    assert rec.metrics["stop_reason"] == "cancelled" and rec.metrics["best_epoch"] == 1
    assert 0 < rec.metrics["test_accuracy"] <= 1
    load_lab_model(store.folder(run_id))  # the checkpoint is whole
    assert saved_epoch(store.folder(run_id) / LAST_STATE) == 1


@pytest.mark.parametrize("when", ["before", "during"])
def test_cancel_at_evaluation_ends_cancelled_with_the_evaluation_kept(
    store, lab, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """Decision: evaluation is one short pass and is not cut; a cancel asked for after the last
    batch or while it runs ends the run "cancelled" with its metrics and a message saying so."""
    run_id = new_run(store, 2)
    extra = (CancelAtTrainEnd(store, run_id),) if when == "before" else ()
    if when == "during":  # fault injection: the cancel arrives while the test split is scored

        def cancelled_meanwhile(model, ds):
            assert store.get(run_id).progress["phase"] == "evaluating"
            store.request_cancel(run_id)
            return real.evaluate(model, ds)

        real = get_task("image-classification")
        patched = dataclasses.replace(real, evaluate=cancelled_meanwhile)
        monkeypatch.setattr("lepton_core.runs.job.get_task", lambda name: patched)
    assert run_job(store, run_id, extra, dataset=lab[3]) == "cancelled"
    rec = store.get(run_id)
    assert rec.error.startswith("cancelled during evaluation, after all 2 epochs"), rec.error
    assert rec.epochs_completed == 2 and rec.metrics["stop_reason"] == "completed"
    assert 0 < rec.metrics["test_accuracy"] <= 1
    assert (store.folder(run_id) / "evaluation.json").exists()


def disk_full_on_call(n: int, real):
    """A safetensors `save_file` that, on its n-th call, writes half a file and runs out of room."""
    calls = []

    def save_file(tensors, filename, metadata=None):
        calls.append(filename)
        if len(calls) < n:
            return real(tensors, filename, metadata=metadata)
        Path(filename).write_bytes(b"\0" * 100)  # what got written before the disk filled up
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), filename)

    return save_file


@pytest.mark.parametrize("target", ["checkpoint", "last_state"])
def test_a_full_disk_fails_the_run_and_leaves_earlier_files_whole(
    store, lab, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    run_id = new_run(store, 2)
    folder = store.folder(run_id)
    module = lab_model if target == "checkpoint" else callbacks
    monkeypatch.setattr(module, "save_file", disk_full_on_call(2, module.save_file))
    seen = {}

    class Snapshot(Callback):  # the files as they were just before the fault
        def on_epoch_end(self, trainer) -> None:  # (runs after BestCheckpoint, before LastState)
            seen["files"] = file_hashes(folder)

    assert run_job(store, run_id, (Snapshot(),), dataset=lab[3]) == "failed"
    rec = store.get(run_id)
    assert rec.status == "failed" and rec.error.startswith("the disk is full"), rec.error
    saved = "checkpoint.safetensors" if target == "checkpoint" else LAST_STATE
    assert f"{saved} could not be written; free some space under {store.home}" in rec.error
    assert "internal error" not in rec.error
    assert "the best checkpoint saved before it is intact" in rec.error
    after = file_hashes(folder)
    assert not [name for name in after if name.endswith(".tmp")]  # no half file left behind
    kept = ["checkpoint.safetensors", "model.json"] if target == "checkpoint" else [LAST_STATE]
    for name in kept:
        assert after[name] == seen["files"][name], name  # as epoch 1 left it
    load_lab_model(folder)
    assert saved_epoch(folder / LAST_STATE) == 1


def test_a_killed_worker_leaves_earlier_runs_untouched(store, lab) -> None:
    executor = LocalExecutor(store, workers=1)
    run_id = new_run(store, 50)
    pid = executor.submit(run_id)
    try:
        wait_for(lambda: store.get(run_id).epochs_completed >= 1, WORKER_START_S)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: store.get(run_id).status == "failed", WORKER_START_S)
    finally:
        stop_worker(pid)
    assert "SIGKILL" in store.get(run_id).error
    load_lab_model(store.folder(run_id))  # its own last checkpoint is whole too
    # (the `store` fixture checks the earlier run's files byte for byte)


HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE runs SET name='held' WHERE id=?", (sys.argv[2],))
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
"""


def test_writers_wait_for_a_held_write_lock_and_all_land(store) -> None:
    held, *runs = [new_run(store, 1) for _ in range(7)]
    errors: list[BaseException] = []
    finished: list[str] = []

    def write(run_id: str) -> None:
        try:
            store.set_progress(run_id, {"epoch": 1})
            for epoch in (1, 2):
                store.add_epoch(run_id, {"epoch": epoch, "train_loss": 1.0 / epoch})
            store.finish(run_id, "done", metrics={"test_accuracy": 0.5})
            finished.append(run_id)
        except BaseException as e:  # noqa: BLE001  (reported by the assert below)
            errors.append(e)

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(store.db_path), held],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        threads = [threading.Thread(target=write, args=(r,)) for r in runs]
        for t in threads:
            t.start()
        threads[0].join(1.5)  # they all wait for the lock
        assert finished == [] and errors == []
        holder.stdin.write("go\n")
        holder.stdin.flush()
        for t in threads:
            t.join(60)
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert errors == [] and sorted(finished) == sorted(runs)
    for run_id in runs:
        rec = store.get(run_id)
        assert rec.status == "done" and rec.epochs_completed == 2 and rec.progress == {"epoch": 1}
        assert [row["epoch"] for row in store.history(run_id)] == [1, 2]
    assert store.get(held).name == "held"  # the holder's write landed too
