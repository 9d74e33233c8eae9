"""Worker process entry point: `python -m lepton_core.runs.worker RUN_ID [--resume]`."""

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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
