"""What only the Ray executor does: clear connection errors, Ray's own cancellation (a task
waiting for CPUs, a task stopped from outside), and settling the runs of a server that is gone.
The shared behaviour is in test_executors.py."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lepton_core.errors import LabInputError
from lepton_core.runs import ACTIVE, RunStore, make_executor
from lepton_core.runs import ray_executor as rx
from tests.core.test_executors import digits, ended
from tests.core.test_runs import WORKER_START_S, dead_pid, wait_for

ROOT = Path(__file__).resolve().parents[2]
CONNECT = (
    "import sys\n"
    "from lepton_core.errors import LabInputError\n"
    "from lepton_core.runs import RunStore\n"
    "from lepton_core.runs.ray_executor import RayExecutor\n"
    "try:\n"
    "    RayExecutor(RunStore(), 1, address=sys.argv[1])\n"
    "except LabInputError as e:\n"
    "    print(e)\n"
)


def connect_error(address: str, env: dict[str, str]) -> str:
    """What a new server prints when it cannot connect to `address`."""
    out = subprocess.run(  # noqa: S603  (our own snippet, no shell)
        [sys.executable, "-c", CONNECT, address],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    return out.stdout


def test_a_wrong_address_or_a_missing_token_says_what_to_set(ray_address, tmp_path) -> None:
    env = dict(os.environ, LEPTON_HOME=str(tmp_path), HOME=str(tmp_path))
    with pytest.raises(LabInputError, match="host:port"):
        rx.connect("nowhere")
    closed = connect_error("127.0.0.1:9", env)
    assert "no Ray head answers at 127.0.0.1:9" in closed and "RAY_AUTH_TOKEN" in closed, closed
    if os.environ.get("RAY_AUTH_MODE") == "token":  # the test head has token auth
        for var in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
            env.pop(var, None)
        no_token = connect_error(ray_address, env)
        assert "AuthenticationError" in no_token and "RAY_AUTH_MODE=token" in no_token, no_token


@pytest.fixture
def ray_store(ray_address, lepton_home, monkeypatch):
    """A fresh store and the test Ray head in LEPTON_RAY_ADDRESS."""
    monkeypatch.setenv("LEPTON_RAY_ADDRESS", ray_address)
    store = RunStore()
    yield store
    active = [r.id for r in store.list_runs() if r.status in ACTIVE]
    for run_id in active:  # the executor that submitted them stops them (store or Ray)
        store.request_cancel(run_id)
    wait_for(lambda: ended(store, *active), WORKER_START_S)


def test_ray_cancels_a_waiting_task_at_once_and_a_running_one_from_outside(
    ray_store, monkeypatch
) -> None:
    store = ray_store
    monkeypatch.setattr(rx, "CANCEL_GRACE_S", 120.0)  # only a waiting task is cancelled at once
    cpus = rx.RayExecutor(store).workers
    executor = rx.RayExecutor(store, cpus + 1)  # one more task than CPUs: it waits in Ray
    busy, waiting = [digits(store, 30) for _ in range(cpus)], digits(store, 1)
    for run_id in [*busy, waiting]:
        executor.submit(run_id)
    assert store.queue() == []  # all claimed and submitted, the last one waits for a CPU
    executor.cancel(waiting)
    assert executor.wait(waiting, timeout=10) == 0  # its Ray task ended: the slot is free
    assert store.get(waiting).status == "cancelled" and store.get(waiting).started is None
    monkeypatch.setattr(rx, "CANCEL_GRACE_S", 0.0)  # no cooperative stop: Ray stops the task
    wait_for(lambda: store.get(busy[0]).epochs_completed >= 1, WORKER_START_S)
    executor.cancel(busy[0])
    wait_for(lambda: ended(store, busy[0]), 15)
    rec = store.get(busy[0])
    assert rec.status == "cancelled" and "epoch" in rec.error, rec.error
    assert (store.folder(busy[0]) / "checkpoint.safetensors").exists()  # the best epoch kept


SERVER = (  # another app server: submits a long run to Ray, says so, then waits to be killed
    "import sys, time\n"
    "from lepton_core.runs import RunStore\n"
    "from lepton_core.runs.ray_executor import RayExecutor\n"
    "RayExecutor(RunStore(), 1).submit(sys.argv[1])\n"
    "print('submitted', flush=True)\n"
    "time.sleep(600)\n"
)


def test_recover_interrupts_the_runs_of_a_server_that_is_gone(ray_store) -> None:
    store = ray_store
    orphan, restarted, legacy = digits(store, 1), digits(store, 1), digits(store, 1)
    # claimed by servers whose Ray jobs have ended: one elsewhere, one with our very pid
    assert store.claim_next(dead_pid(), "ray", "01000000@1") == orphan
    assert store.claim_next(os.getpid(), "ray", "02000000@2") == restarted
    assert store.claim_next(dead_pid(), "ray") == legacy  # claimed before jobs were kept
    executor = make_executor(store, 1)  # LEPTON_RAY_ADDRESS is set: the ray executor
    assert isinstance(executor, rx.RayExecutor)
    assert sorted(executor.recover()) == sorted([orphan, restarted, legacy])
    for run_id in (orphan, restarted, legacy):
        rec = store.get(run_id)
        assert rec.status == "interrupted" and "Ray ended its task" in rec.error


def test_a_live_servers_run_is_left_alone_and_settled_soon_after_that_server_dies(
    ray_store, monkeypatch
) -> None:
    store = ray_store
    monkeypatch.setattr(rx, "ORPHAN_CHECK_S", 1.0)
    watcher = rx.RayExecutor(store, 1)  # this server stays up all along
    run_id = digits(store, 30)
    other = subprocess.Popen(  # noqa: S603  (our own snippet, no shell)
        [sys.executable, "-c", SERVER, run_id], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert other.stdout.readline().strip() == "submitted"
        wait_for(lambda: store.get(run_id).status == "running", WORKER_START_S)
        rec = store.get(run_id)
        assert rec.ray_job and rec.ray_job != watcher.job and rec.owner == other.pid
        assert watcher.recover() == [] and store.get(run_id).status == "running"
    finally:
        other.kill()  # the other server dies: Ray ends its job, and the run's task with it
        other.wait(timeout=30)
    wait_for(lambda: store.get(run_id).status == "interrupted", 30)  # no server restarted
    assert "Ray ended its task" in store.get(run_id).error


def test_a_ray_task_reports_to_a_postgresql_store(ray_store, fresh_pg_url) -> None:
    store = RunStore(ray_store.home, url=fresh_pg_url)  # runs in PostgreSQL, files in the home
    run_id = digits(store, 1)
    rx.RayExecutor(store, 1).submit(run_id)
    wait_for(lambda: ended(store, run_id), WORKER_START_S)
    rec = store.get(run_id)
    assert rec.status == "done" and rec.executor == "ray", rec.error
    assert len(store.history(run_id)) == 1 and "test_accuracy" in rec.metrics
    assert store.db_path is None
