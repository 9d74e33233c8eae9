"""LocalExecutor: each job runs in its own worker process, never in the caller's thread."""

import os
import subprocess
import sys
from pathlib import Path

from lepton_core.runs.store import RunStore


class LocalExecutor:
    """Starts `python -m lepton_core.runs.worker RUN_ID` per job and reaps finished workers."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self._procs: dict[str, subprocess.Popen] = {}

    def submit(self, run_id: str, resume: bool = False) -> int:
        """Start the worker for a queued run (or resume one); returns its process id.

        The worker stops, leaving the run `interrupted`, when this process is gone.
        """
        self.reap()
        folder = self.store.folder(run_id)
        env = dict(os.environ, LEPTON_HOME=str(self.store.home), LEPTON_PARENT_PID=str(os.getpid()))
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        with open(folder / "worker.log", "ab") as log:
            proc = subprocess.Popen(  # noqa: S603  (fixed argv, no shell, no user text)
                [sys.executable, "-m", "lepton_core.runs.worker", run_id, *(["--resume"] * resume)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self._procs[run_id] = proc
        self.store.set_pid(run_id, proc.pid)
        return proc.pid

    def cancel(self, run_id: str) -> None:
        """Ask the job to stop; it keeps its best checkpoint."""
        self.store.request_cancel(run_id)

    def wait(self, run_id: str, timeout: float | None = None) -> int | None:
        """Wait for a job started here; returns its exit code."""
        proc = self._procs.get(run_id)
        return proc.wait(timeout) if proc else None

    def reap(self) -> None:
        """Collect finished workers so they do not linger as zombies."""
        for run_id, proc in list(self._procs.items()):
            if proc.poll() is not None:
                del self._procs[run_id]
