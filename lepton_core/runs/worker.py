"""Worker process entry point: `python -m lepton_core.runs.worker RUN_ID`."""

import os
import sys


def main(argv: list[str]) -> int:
    """Set torch threads first (before any torch work), then run the job."""
    import torch

    threads = int(os.environ.get("LEPTON_TORCH_THREADS", "0")) or os.cpu_count() or 1
    torch.set_num_threads(threads)
    from lepton_core.runs.job import run_job
    from lepton_core.runs.store import RunStore

    status = run_job(RunStore(), argv[0])
    return 0 if status in ("done", "cancelled") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
