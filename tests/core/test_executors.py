"""The shared executor suite: the same tests on every executor (`local` always; `ray` when a
test Ray head is up, see the `ray_address` fixture). Real worker processes or Ray tasks, the
real RunStore, digits with the small seed-cnn for one to a few epochs.
"""

import os
import signal
import time

import pytest

from lepton_core.api import make_config
from lepton_core.errors import LabInputError
from lepton_core.runs import ACTIVE, LocalExecutor, RunStore, make_executor
from lepton_core.runs.job import run_job
from lepton_core.runs.ray_executor import RayExecutor
from lepton_core.training import Callback
from tests.core.test_runs import WORKER_START_S, wait_for

KILLED = {"local": "stopped by SIGKILL", "ray": "the Ray task failed"}


@pytest.fixture(params=["local", "ray"])
def lab(request, lepton_home):
    """(kind, store, make): `make(workers)` gives an executor of this kind on a fresh store.
    Afterwards every run still active is cancelled and waited for."""
    kind, store, made = request.param, RunStore(), []
    address = request.getfixturevalue("ray_address") if kind == "ray" else None

    def make(workers: int | None):
        ex = LocalExecutor(store, workers) if kind == "local" else RayExecutor(store, workers)
        made.append(ex)
        return ex

    with pytest.MonkeyPatch.context() as mp:
        if address:
            mp.setenv("LEPTON_RAY_ADDRESS", address)
        yield kind, store, make
    active = [r.id for r in store.list_runs() if r.status in ACTIVE]
    for ex in made:
        for run_id in active:
            ex.cancel(run_id)
        for run_id in active:
            ex.wait(run_id, WORKER_START_S)


def digits(store: RunStore, epochs: int) -> str:
    """A queued seed-cnn run on digits."""
    return store.create_run(make_config("digits", model="seed-cnn", epochs=epochs))


def ended(store: RunStore, *ids: str) -> bool:
    """Whether all these runs have a final status."""
    return all(store.get(r).status not in ACTIVE for r in ids)


def most_at_once(store: RunStore, ids: list[str]) -> int:
    """The most of these runs that were running at the same time (from started/finished)."""
    runs = [store.get(r) for r in ids]
    edges = sorted([(r.started, 1) for r in runs] + [(r.finished, -1) for r in runs])
    now = most = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def test_make_executor_follows_the_environment(monkeypatch, lepton_home) -> None:
    for var in ("LEPTON_EXECUTOR", "LEPTON_RAY_ADDRESS"):
        monkeypatch.delenv(var, raising=False)
    assert isinstance(make_executor(RunStore(), 1), LocalExecutor)  # neither set: as before
    monkeypatch.setenv("LEPTON_EXECUTOR", "spark")
    with pytest.raises(LabInputError, match="local, ray"):
        make_executor(RunStore())
    monkeypatch.setenv("LEPTON_EXECUTOR", "ray")
    with pytest.raises(LabInputError, match="LEPTON_RAY_ADDRESS"):
        make_executor(RunStore())


def test_a_run_ends_done_with_its_history_and_checkpoint(lab) -> None:
    kind, store, make = lab
    executor = make(1)
    assert executor.name == kind
    run_id = digits(store, 2)
    executor.submit(run_id)
    wait_for(lambda: ended(store, run_id), WORKER_START_S)
    rec = store.get(run_id)
    assert rec.status == "done", rec.error
    assert [row["epoch"] for row in store.history(run_id)] == [1, 2]
    assert "test_accuracy" in rec.metrics and rec.progress["phase"] == "evaluating"
    assert (store.folder(run_id) / "checkpoint.safetensors").exists()
    assert executor.wait(run_id, 10) == 0


def test_runs_start_in_order_and_never_more_than_the_pool_or_the_cpus(lab) -> None:
    kind, store, make = lab
    if kind == "local":
        bound, executor = 1, make(1)
    else:  # more tasks submitted than the cluster has CPUs: Ray holds the rest back
        bound = make(None).workers  # by default: the cluster's CPUs, one per task
        executor = make(bound + 1)
    ids = [digits(store, 1) for _ in range(bound + 1)]
    for run_id in ids:
        executor.submit(run_id)
    wait_for(lambda: ended(store, *ids), 3 * WORKER_START_S)
    assert [store.get(r).status for r in ids] == ["done"] * len(ids)
    assert most_at_once(store, ids) <= bound
    if kind == "local":  # the local pool starts them oldest first
        assert store.get(ids[0]).finished <= store.get(ids[1]).started


def test_cancel_drops_a_queued_run_and_stops_a_running_one_keeping_its_best_epoch(lab) -> None:
    _, store, make = lab
    executor = make(1)
    running, queued = digits(store, 30), digits(store, 1)
    executor.submit(running)
    executor.submit(queued)
    executor.cancel(queued)
    assert store.get(queued).status == "cancelled"
    wait_for(lambda: store.get(running).epochs_completed >= 1, WORKER_START_S)
    executor.cancel(running)
    took = wait_for(lambda: ended(store, running), 10)
    rec = store.get(running)
    assert rec.status == "cancelled" and took < 5, (rec.error, took)
    assert 1 <= rec.epochs_completed < 30 and "test_accuracy" in rec.metrics  # evaluated
    assert (store.folder(running) / "checkpoint.safetensors").exists()
    assert store.get(queued).started is None  # it never ran


def test_a_killed_worker_fails_only_its_own_run(lab) -> None:
    kind, store, make = lab
    executor = make(1)
    victim, other = digits(store, 30), digits(store, 1)
    executor.submit(victim)
    executor.submit(other)
    wait_for(lambda: store.get(victim).epochs_completed >= 1, WORKER_START_S)
    os.kill(store.get(victim).pid, signal.SIGKILL)  # a crash or an out-of-memory kill
    wait_for(lambda: ended(store, victim, other), 2 * WORKER_START_S)
    killed = store.get(victim)
    assert killed.status == "failed" and KILLED[kind] in killed.error, killed.error
    assert store.history(victim)  # what it learned is kept
    assert store.get(other).status == "done", store.get(other).error


class StopAfterOneEpoch(Callback):
    """Stops training as a stopped server does (the run ends `interrupted`)."""

    def on_epoch_end(self, trainer) -> None:
        trainer.stop("interrupted")


def test_an_interrupted_run_resumes_to_its_last_epoch(lab) -> None:
    _, store, make = lab
    run_id = digits(store, 3)
    assert run_job(store, run_id, (StopAfterOneEpoch(),)) == "interrupted"
    executor = make(1)
    executor.submit(run_id, resume=True)
    with pytest.raises(LabInputError, match="not interrupted"):
        executor.submit(run_id, resume=True)  # one resume only
    t0 = time.monotonic()
    wait_for(lambda: ended(store, run_id), WORKER_START_S)
    rec = store.get(run_id)
    assert rec.status == "done", (rec.error, time.monotonic() - t0)
    assert [row["epoch"] for row in store.history(run_id)] == [1, 2, 3]
