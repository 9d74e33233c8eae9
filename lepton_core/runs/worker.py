"""Where a run trains: a local worker process (`python -m lepton_core.runs.worker RUN_ID
[--resume]`), or a Ray worker process running `ray_main` as a task (see ray_executor)."""

import os
import sys

NICE = 10
PARENT_ENV = "LEPTON_PARENT_PID"  # set by the executor: the worker stops when that process is gone


def lower_priority(nice: int) -> None:
    """Run at a lower CPU priority. A worker has its own session (setsid), and with Linux
    autogroups a session competes as one group whatever its processes' nice values: so the
    group's niceness is lowered too."""
    os.nice(nice)
    try:
        with open("/proc/self/autogroup", "w") as group:
            group.write(str(nice))
    except OSError:
        pass  # no autogroups here: nice alone applies


def main(argv: list[str]) -> int:
    """Set torch threads first (before any torch work), then run the job."""
    lower_priority(NICE)  # training yields the CPU to the server, so pages stay responsive
    import torch

    threads = int(os.environ.get("LEPTON_TORCH_THREADS", "0")) or os.cpu_count() or 1
    torch.set_num_threads(threads)
    print(f"lepton worker for run {argv[0]}: {threads} torch threads", flush=True)
    from lepton_core.runs.job import run_job
    from lepton_core.runs.store import RunStore
    from lepton_core.training.callbacks import ParentWatch

    parent = int(os.environ.get(PARENT_ENV, "0"))
    watch = (ParentWatch(parent),) if parent else ()
    status = run_job(RunStore(), argv[0], watch, resume="--resume" in argv[1:])
    return 0 if status in ("done", "cancelled", "interrupted") else 1


def ray_main(run_id: str, env: dict[str, str], resume: bool) -> str:
    """The body of a run's Ray task, in a fresh Ray worker process; returns the final status.

    `env`: LEPTON_HOME, LEPTON_DB_URL (without its password) and the per-job caps from the
    server (a Ray worker has the environment of its Ray node, not the server's). The password
    comes from the node: its own LEPTON_DB_URL for the same database, or PGPASSWORD/.pgpass.
    Torch uses the CPUs Ray reserved for the task. Ray ends the task when the server that
    submitted it exits (no ParentWatch needed).
    """
    import ray

    from lepton_core.runs.caps import ENV as CAP_VARS
    from lepton_core.runs.database import with_local_password

    for var in CAP_VARS.values():  # the server's caps only, not those of the node
        os.environ.pop(var, None)
    node_url = os.environ.get("LEPTON_DB_URL", "")  # the node's own, with the password
    os.environ.update(env)
    url = with_local_password(env["LEPTON_DB_URL"], node_url)
    os.environ["LEPTON_DB_URL"] = url
    import torch

    threads = max(1, int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)))
    torch.set_num_threads(threads)
    from lepton_core.runs.job import run_job, stopped_message
    from lepton_core.runs.store import ACTIVE, RunStore

    store = RunStore(env["LEPTON_HOME"], url=url)
    node = ray.get_runtime_context().get_node_id()[:12]
    with open(store.folder(run_id) / "worker.log", "a") as log:
        print(f"lepton ray task for run {run_id}: {threads} torch threads, node {node}", file=log)
    try:
        return run_job(store, run_id, resume=resume)
    except KeyboardInterrupt:  # ray.cancel after a cancel request: the run ends cancelled
        if store.get(run_id).status in ACTIVE:
            store.finish(run_id, "cancelled", error=stopped_message(store, run_id))
        return "cancelled"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
