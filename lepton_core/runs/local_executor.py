"""LocalExecutor (the default executor): a bounded pool of worker processes; queued runs
start in order as slots free.

Each job runs in its own process (`python -m lepton_core.runs.worker RUN_ID`), never in the
caller's thread. At most `workers` run at once (default: one per CPU core, or LEPTON_WORKERS),
each with cores // workers torch threads, so workers x threads <= cores. A worker that crashes
or is killed fails only its own run, with the reason; a server that dies leaves its runs
`interrupted` (the workers notice and stop), and they can be resumed.
"""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from lepton_core.errors import LabInputError
from lepton_core.runs.caps import JobCaps
from lepton_core.runs.dispatch import POLL_S, PollingDispatcher  # noqa: F401  (POLL_S re-exported)
from lepton_core.runs.job import LAST_STATE
from lepton_core.runs.store import RunStore

WORKERS_ENV = "LEPTON_WORKERS"


def pool_size(workers: int | None = None) -> int:
    """Worker processes at once: the argument, else LEPTON_WORKERS, else one per CPU core."""
    n = workers or int(os.environ.get(WORKERS_ENV) or 0) or os.cpu_count() or 1
    return max(1, n)


class LocalExecutor(PollingDispatcher):
    """Starts queued runs in worker processes, `workers` at a time, oldest first."""

    name = "local"

    def __init__(
        self, store: RunStore, workers: int | None = None, caps: JobCaps | None = None
    ) -> None:
        self.store, self.caps = store, caps or JobCaps()
        self.workers = pool_size(workers)
        self.threads = max(1, (os.cpu_count() or 1) // self.workers)
        self._procs: dict[str, subprocess.Popen] = {}  # running now
        self._started: dict[str, subprocess.Popen] = {}  # every worker started here (for wait)
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None

    def submit(self, run_id: str, resume: bool = False) -> int | None:
        """Queue a run (a `resume` puts an interrupted run back in the queue).

        Returns the worker's process id if it started at once, None if it waits for a slot.
        """
        if resume and not self.store.requeue(run_id):
            raise LabInputError(f"run {run_id} is not interrupted any more (already resumed?)")
        self._ensure_dispatcher()
        self.dispatch()
        proc = self._procs.get(run_id)
        return proc.pid if proc else None

    def recover(self) -> list[str]:
        """At a server's start: runs still active under this very pid belong to an earlier
        server that had it (containers restart with the same pid): they are interrupted, and
        resumable. Then the queued runs start. Returns the interrupted ids."""
        with self._lock:
            gone = self.store.interrupt_owned_by(os.getpid(), "the server restarted")
        self.submit_queued()
        return gone

    def submit_queued(self) -> None:
        """Start the runs already waiting in the store (e.g. after a server restart)."""
        if self.store.next_queued() is not None:
            self._ensure_dispatcher()
            self.dispatch()

    def dispatch(self) -> None:
        """Report finished workers, then start queued runs while slots are free."""
        with self._lock:
            self.reap()
            while len(self._procs) < self.workers:
                # taken in the store first: servers sharing a database never start it twice
                run_id = self.store.claim_next(os.getpid(), self.name)
                if run_id is None:
                    return
                try:
                    self._start(run_id)
                except OSError as e:  # no process could start: this run fails, the line moves
                    self.store.fail_if_active(run_id, f"could not start a worker: {e}")

    def _start(self, run_id: str) -> None:
        folder = self.store.folder(run_id)
        env = dict(
            os.environ,
            LEPTON_HOME=str(self.store.home),
            LEPTON_PARENT_PID=str(os.getpid()),
            LEPTON_TORCH_THREADS=str(self.threads),
            **self.caps.env(),  # the worker reads its caps from here (and from os.environ)
        )
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        resume = ["--resume"] if (folder / LAST_STATE).exists() else []
        with open(folder / "worker.log", "ab") as log:
            proc = subprocess.Popen(  # noqa: S603  (fixed argv, no shell, no user text)
                [sys.executable, "-m", "lepton_core.runs.worker", run_id, *resume],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self._procs[run_id] = self._started[run_id] = proc
        self.store.claim(run_id, proc.pid, os.getpid())

    def cancel(self, run_id: str) -> None:
        """Ask the job to stop; it keeps its best checkpoint (a queued run is dropped)."""
        self.store.request_cancel(run_id)

    def wait(self, run_id: str, timeout: float | None = None) -> int | None:
        """Wait for a job started here; returns its exit code."""
        proc = self._started.get(run_id)
        code = proc.wait(timeout) if proc else None
        self.dispatch()
        return code

    def reap(self) -> None:
        """Collect finished workers; a run whose worker died without a final status fails."""
        with self._lock:
            for run_id, proc in list(self._procs.items()):
                code = proc.poll()
                if code is None:
                    continue
                del self._procs[run_id]
                self.store.fail_if_active(run_id, _crash_message(code))

    def _busy(self) -> bool:
        return bool(self._procs)


def _crash_message(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the worker process was stopped by {name} (killed or out of memory); see worker.log"
    return f"the worker process crashed with exit code {code}; see worker.log"
