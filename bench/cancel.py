"""Issue 2's "Cancel stops the job within 2 seconds", with real LocalExecutor workers.

As tests/core/test_runs.py does it: a fresh LEPTON_HOME, `digits` / `cnn` for 50 epochs
submitted to a `LocalExecutor` (a worker process that imports torch, loads the data and trains);
once the run is `running` with at least one whole epoch done, `executor.cancel` is called and
the time until the store says `cancelled` is taken. `--repeats` runs one after another (default
3), median. Any worker still running at the end is killed by its pid. Merges the numbers into
bench/results.json under "cancel".
Usage: .venv/bin/python bench/cancel.py [--repeats 3]
"""

import argparse
import datetime
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import save_results  # noqa: E402

GOAL_S = 2.0
START_TIMEOUT_S, CANCEL_TIMEOUT_S = 120.0, 30.0


def wait_until(condition, timeout: float, every: float = 0.02) -> float:
    """Poll until condition() is true; the seconds it took (TimeoutError after `timeout`)."""
    t0 = time.monotonic()
    while not condition():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"not reached within {timeout} s")
        time.sleep(every)
    return time.monotonic() - t0


def stop_worker(pid: int | None) -> None:
    """Kill a worker started here, by its pid, if it still runs; then reap it."""
    try:
        running = pid is not None and os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return
    if running:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def one_cancel() -> dict:
    """Submit a long run, cancel it after its first epoch: seconds to `cancelled`."""
    from lepton_core.api import make_config
    from lepton_core.runs import LocalExecutor, RunStore

    store = RunStore()
    run_id = store.create_run(make_config("digits", model="cnn", epochs=50))
    executor = LocalExecutor(store)
    t0 = time.monotonic()
    pid = executor.submit(run_id)
    try:
        wait_until(
            lambda: (r := store.get(run_id)).status == "running" and r.epochs_completed >= 1,
            START_TIMEOUT_S,
        )
        started = time.monotonic() - t0
        executor.cancel(run_id)
        took = wait_until(lambda: store.get(run_id).status == "cancelled", CANCEL_TIMEOUT_S)
        executor.wait(run_id, timeout=CANCEL_TIMEOUT_S)
    finally:
        stop_worker(pid)
    rec = store.get(run_id)
    return {"cancel_s": round(took, 3), "worker_to_epoch_1_s": round(started, 2),
            "epochs_completed": rec.epochs_completed}  # fmt: skip


def main() -> None:
    """Cancel `--repeats` runs, print and merge the median into bench/results.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    os.environ["LEPTON_HOME"] = tempfile.mkdtemp(prefix="lepton-bench-")
    t0 = time.monotonic()
    runs = [one_cancel() for _ in range(args.repeats)]
    median = statistics.median(r["cancel_s"] for r in runs)
    out = {
        "what": "digits cnn (50 epochs) in a LocalExecutor worker, cancelled after epoch 1: "
        "seconds from executor.cancel to the store's `cancelled`",
        "cancel_to_cancelled_s": median,
        "max_s": max(r["cancel_s"] for r in runs),
        "runs": runs,
        "goal_s": GOAL_S,
        "wall_s": round(time.monotonic() - t0, 1),
        "date": datetime.date.today().isoformat(),
    }
    save_results(cancel=out)
    verdict = "goal met" if median <= GOAL_S else "GOAL MISSED"
    print(
        f"cancel to cancelled: median {median} s of {args.repeats} ({out['wall_s']} s): {verdict}"
    )


if __name__ == "__main__":
    main()
