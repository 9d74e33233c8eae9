"""Faults, part 2: a full disk, a killed worker, a busy database.

Each fault leaves its run failed with a clear message, and an earlier finished run's files stay
byte-identical (the `store` fixture checks). Real RunStore (SQLite), real training, real worker
processes; a full disk is injected by monkeypatching, as the real thing cannot be provoked."""

import errno
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lepton_core.models import lab_model, load_lab_model
from lepton_core.runs import LocalExecutor
from lepton_core.runs.job import LAST_STATE, run_job
from lepton_core.training import Callback, callbacks
from lepton_core.training.callbacks import saved_epoch
from tests.core.faults.conftest import new_run
from tests.core.test_runs import WORKER_START_S, stop_worker, wait_for
from tests.data.corpus import file_hashes


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
