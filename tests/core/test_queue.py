"""The worker pool: a bounded number of real worker processes, a queue with positions,
per-job caps, and a killed worker that fails only its own run."""

import os
import signal
import time
from pathlib import Path

from lepton_core.api import make_config
from lepton_core.runs import LocalExecutor, RunStore
from lepton_core.runs.caps import JobCaps
from lepton_core.runs.worker import NICE
from tests.core.test_runs import WORKER_START_S, stop_worker, wait_for


def _digits(model: str, epochs: int) -> object:
    return make_config("digits", model=model, epochs=epochs)


def test_pool_of_one_queues_in_order_and_a_killed_worker_fails_only_its_run(lepton_home):
    store = RunStore()
    executor = LocalExecutor(store, workers=1)
    assert executor.workers * executor.threads <= (os.cpu_count() or 1)
    long = store.create_run(_digits("cnn", 50))
    first, second = (store.create_run(_digits("seed-cnn", 1)) for _ in range(2))
    pid = executor.submit(long)
    assert pid and executor.submit(first) is None and executor.submit(second) is None
    assert [store.queue_position(r) for r in (long, first, second)] == [None, 1, 2]
    most_running = 0
    try:
        wait_for(lambda: store.get(long).epochs_completed >= 1, WORKER_START_S)
        nice = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert nice - os.nice(0) == NICE  # training yields the CPU to the server's pages
        group = Path(f"/proc/{pid}/autogroup")
        if group.exists():  # its own session is its own scheduling group: lowered too
            assert group.read_text().split()[-1] == str(NICE)
        os.kill(pid, signal.SIGKILL)  # a crash, an OOM kill: the server itself lives on
        deadline = time.monotonic() + 3 * WORKER_START_S
        while {store.get(r).status for r in (first, second)} & {"queued", "running"}:
            running = [r for r in store.list_runs() if r.status == "running"]
            most_running = max(most_running, len(running))
            assert time.monotonic() < deadline, "the queue did not drain"
            time.sleep(0.05)
    finally:
        for rec in store.list_runs():
            if rec.pid:
                stop_worker(rec.pid)
    killed = store.get(long)
    assert killed.status == "failed" and "SIGKILL" in killed.error, killed.error
    assert killed.epochs_completed >= 1 and store.history(long)  # what it learned is kept
    a, b = store.get(first), store.get(second)
    assert a.status == b.status == "done", (a.error, b.error)
    assert killed.finished <= a.started < a.finished <= b.started  # one at a time, in order
    assert most_running <= 1
    log = (store.folder(first) / "worker.log").read_text()
    assert f"{executor.threads} torch threads" in log


def test_caps_refuse_big_data_and_stop_at_the_wall_time(lepton_home):
    store = RunStore()
    big = store.create_run(_digits("seed-cnn", 1))
    slow = store.create_run(_digits("seed-cnn", 1000))  # far longer than the cap
    pids = [
        LocalExecutor(store, 1, JobCaps(max_dataset_mb=0.5)).submit(big),
        # 15 s: a seed-cnn epoch takes about 0.4 s alone, a few s on a loaded machine
        LocalExecutor(store, 1, JobCaps(max_wall_minutes=0.25)).submit(slow),
    ]
    try:
        wait_for(
            lambda: {store.get(r).status for r in (big, slow)} <= {"done", "failed"},
            3 * WORKER_START_S,
        )
    finally:
        for pid in pids:
            stop_worker(pid)
    refused = store.get(big)
    assert refused.status == "failed" and "0.5 MB per run" in refused.error, refused.error
    capped = store.get(slow)
    assert capped.status == "done", capped.error
    assert capped.metrics["stop_reason"] == "time limit"
    assert 1 <= capped.epochs_completed < 1000 and "test_accuracy" in capped.metrics
