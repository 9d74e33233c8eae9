"""Issue 9's "8 concurrent training jobs on `local` and on `ray`; Ray overhead <= 20 % wall time".

Each measurement, in a fresh LEPTON_HOME (SQLite store, LEPTON_DB_URL ignored): `--jobs` digits
seed-cnn runs (`--epochs` each, seeds 0, 1, 2, ...) are created, then submitted together to the
executor; the wall time runs from the first submit until every run is `done`. `local` is the
LocalExecutor with 2 worker processes; `ray` is the RayExecutor against a Ray head with
--num-cpus=2 (1 CPU per job): the one in LEPTON_TEST_RAY_ADDRESS (`.ci/services.sh up`), else one
this bench starts on loopback with token auth and stops by its pid (never `ray stop`). The two
alternate `--repeats` times; overhead = median(ray) / median(local) - 1. Merges the numbers into
bench/results.json under "scale_out".
Usage: .venv/bin/python bench/scale.py [--repeats 2] [--jobs 8] [--epochs 3]
"""

import argparse
import contextlib
import datetime
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import save_results  # noqa: E402

GOAL_OVERHEAD = 0.20
WORKERS = 2  # local worker processes = the Ray head's CPUs (1 per job)
JOB_TIMEOUT_S = 900.0
RAY_START_TIMEOUT_S = 120.0
FINAL = ("done", "failed", "cancelled", "interrupted")


def wait_all_final(store, run_ids: list[str]) -> None:
    """Poll the store until every run has ended (TimeoutError after JOB_TIMEOUT_S)."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while any(store.get(r).status not in FINAL for r in run_ids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"runs not finished within {JOB_TIMEOUT_S} s")
        time.sleep(0.1)


def measure(executor_name: str, jobs: int, epochs: int) -> dict:
    """Create `jobs` runs in a fresh LEPTON_HOME, submit them all: seconds until all are done."""
    from lepton_core.api import make_config
    from lepton_core.runs import RunStore
    from lepton_core.runs.executor import EXECUTORS

    home = Path(tempfile.mkdtemp(prefix="lepton-scale-"))
    os.environ["LEPTON_HOME"] = str(home)
    try:
        store = RunStore(home)
        config = {"model": "seed-cnn", "epochs": epochs}
        run_ids = [store.create_run(make_config("digits", seed=s, **config)) for s in range(jobs)]
        executor = EXECUTORS[executor_name](store, WORKERS)
        t0, submitted = time.monotonic(), time.time()
        for run_id in run_ids:
            executor.submit(run_id)
        wait_all_final(store, run_ids)
        wall = time.monotonic() - t0
        records = [store.get(r) for r in run_ids]
        bad = [(r.id, r.status, r.error) for r in records if r.status != "done"]
        if bad:
            raise RuntimeError(f"{executor_name}: runs did not finish as done: {bad}")
        ran_on = sorted({r.executor for r in records})
        if ran_on != [executor_name]:
            raise RuntimeError(f"{executor_name}: the store says the runs ran on {ran_on}")
        train = [r.train_seconds for r in records if r.train_seconds is not None]
        first_start = min(r.started for r in records if r.started) - submitted
        return {"wall_s": round(wall, 2), "median_train_s": round(statistics.median(train), 2),
                "first_running_after_s": round(first_start, 2)}  # fmt: skip
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def ray_head() -> Iterator[str]:
    """The Ray head's address: LEPTON_TEST_RAY_ADDRESS's, else one started here (loopback, token
    auth, 2 CPUs, no dashboard) and stopped by its pid afterwards."""
    if os.environ.get("LEPTON_TEST_RAY_ADDRESS"):
        yield os.environ["LEPTON_TEST_RAY_ADDRESS"]
        return
    tmp = Path(tempfile.mkdtemp(prefix="lsc.", dir="/tmp"))  # short: Ray's unix socket paths
    token = tmp / "ray_token"
    token.write_text(secrets.token_hex(32))
    token.chmod(0o600)
    os.environ |= {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    port = free_port()
    cmd = [str(ROOT / ".venv/bin/ray"), "start", "--head", "--block", f"--port={port}"]
    cmd += ["--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats"]
    cmd += [f"--temp-dir={tmp / 'ray'}"]
    log = tmp / "ray.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + RAY_START_TIMEOUT_S
        while b"block forever" not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Ray head did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()  # `ray start --block` drains, then stops every process it started
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)
        shutil.rmtree(tmp, ignore_errors=True)


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def disconnect_ray() -> None:
    """End this process's Ray connection (if the ray executor opened one) before its head stops."""
    if "ray" in sys.modules:
        sys.modules["ray"].shutdown()


def main() -> None:
    """Alternate local and ray `--repeats` times; print and merge the medians into results.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    os.environ.pop("LEPTON_DB_URL", None)  # the same SQLite store for both: only executors differ
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # Ray on loopback; before `import ray`
    t0 = time.monotonic()
    each: dict[str, list[dict]] = {"local": [], "ray": []}
    with ray_head() as address:
        os.environ["LEPTON_RAY_ADDRESS"] = address
        try:
            for _ in range(args.repeats):
                for name in each:
                    each[name].append(measure(name, args.jobs, args.epochs))
                    print(f"{name}: {each[name][-1]}", flush=True)
        finally:
            disconnect_ray()
    wall = {name: statistics.median(m["wall_s"] for m in runs) for name, runs in each.items()}
    overhead = round(wall["ray"] / wall["local"] - 1, 3)
    out = {
        "what": f"{args.jobs} digits seed-cnn runs ({args.epochs} epochs, distinct seeds) "
        "submitted together; wall s from the first submit until all are done, a fresh "
        f"LEPTON_HOME each; local = LocalExecutor with {WORKERS} workers, ray = RayExecutor "
        "(connected before the clock starts) on a 2-CPU head, 1 CPU per job; "
        "overhead = ray / local - 1 of the medians",
        "jobs": args.jobs,
        "epochs": args.epochs,
        "repeats": args.repeats,
        "local_wall_s": wall["local"],
        "ray_wall_s": wall["ray"],
        "overhead": overhead,
        "goal_overhead": GOAL_OVERHEAD,
        "met": overhead <= GOAL_OVERHEAD,
        "each": each,
        "load_average_1min": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
        "bench_wall_s": round(time.monotonic() - t0, 1),
        "date": datetime.date.today().isoformat(),
    }
    save_results(scale_out=out)
    verdict = "goal met" if out["met"] else "GOAL MISSED"
    print(f"local {wall['local']} s, ray {wall['ray']} s: overhead {overhead:+.1%} ({verdict})")


if __name__ == "__main__":
    main()
