"""RayExecutor: each run is one Ray task on the cluster at LEPTON_RAY_ADDRESS.

The task (worker.ray_main) reserves LEPTON_RAY_CPUS_PER_JOB CPUs (default 1; torch uses as many
threads), runs in a fresh Ray worker process (max_calls=1) and writes progress, epochs,
checkpoints and its final status to the RunStore itself, as a local worker does: LEPTON_HOME
(and LEPTON_DB_URL) must name the same storage on every Ray node, and the repository must be
at the same path. Runs are claimed in the store before they are submitted, so two servers
sharing a database never start the same run. A dispatcher thread watches the tasks: one that
dies (worker killed, node lost, out of memory) fails only its run. Ray ends a server's tasks
when the server exits: each run keeps the Ray job of the server that submitted it, and every
server checks every ORPHAN_CHECK_S seconds (and at its start, `recover`) for runs whose job has
ended; it marks them interrupted, and resumable. Servers sharing a database share one cluster.
The database password is not sent to Ray (a task's arguments are kept by the cluster): a Ray
node has its own LEPTON_DB_URL, or PGPASSWORD or ~/.pgpass.

Security: Ray's API runs any code for whoever reaches it. Bind the head to a private address
and turn on token auth (RAY_AUTH_MODE=token, RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH, on the
head and on every server). `import ray` happens here only, when a RayExecutor is made.
"""

import os
import socket
import sys
import threading
import time
import weakref
from pathlib import Path

from lepton_core.errors import LabInputError
from lepton_core.runs.caps import JobCaps
from lepton_core.runs.database import without_password
from lepton_core.runs.dispatch import PollingDispatcher
from lepton_core.runs.job import LAST_STATE, stopped_message
from lepton_core.runs.local_executor import WORKERS_ENV
from lepton_core.runs.records import ACTIVE, this_host
from lepton_core.runs.store import RunStore
from lepton_core.runs.worker import ray_main

ADDRESS_ENV = "LEPTON_RAY_ADDRESS"
CPUS_ENV = "LEPTON_RAY_CPUS_PER_JOB"
CONNECT_TIMEOUT_S = 30.0  # Ray's own give-up (a wrong token) takes 20 s
CANCEL_GRACE_S = 5.0  # a cancelled run not ended by itself by then is stopped by Ray (then forced)
ORPHAN_CHECK_S = 10.0  # how often a server looks for runs whose server's Ray job has ended
ORPHANED = "the server that started it stopped, and Ray ended its task"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
AUTH_HINT = (
    "check LEPTON_RAY_ADDRESS (host:port of `ray start --head`); with token auth, set"
    " RAY_AUTH_MODE=token and RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH, as on the head"
)


class RayExecutor(PollingDispatcher):
    """Submits queued runs as Ray tasks, `workers` at a time, oldest first."""

    name = "ray"

    def __init__(
        self,
        store: RunStore,
        workers: int | None = None,
        caps: JobCaps | None = None,
        address: str | None = None,
    ) -> None:
        self.store, self.caps = store, caps or JobCaps()
        self.address = (address or os.environ.get(ADDRESS_ENV, "")).strip()
        if not self.address:
            raise LabInputError(f"the ray executor needs {ADDRESS_ENV}=host:port of a Ray head")
        self.threads = cpus_per_job()
        self._ray = connect(self.address)
        self.job = job_identity(self._ray)  # kept with each run this server submits
        cluster = int(self._ray.cluster_resources().get("CPU", 1))
        n = workers or int(os.environ.get(WORKERS_ENV) or 0) or cluster // self.threads
        self.workers = max(1, n)  # tasks submitted at once; Ray runs as many as CPUs allow
        self._task = self._ray.remote(num_cpus=self.threads, max_calls=1, max_retries=0)(ray_main)
        self._refs: dict[str, object] = {}  # run id -> ObjectRef of its task, until settled
        self._ended: dict[str, str] = {}  # run id -> final status, for wait
        self._cancels: dict[str, tuple[float, int]] = {}  # run id -> (next step at, steps done)
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        watch = threading.Thread(target=_watch_orphans, args=(weakref.ref(self),), daemon=True)
        watch.start()

    def submit(self, run_id: str, resume: bool = False) -> None:
        """Queue a run (a `resume` puts an interrupted run back in line first).

        Returns None: a Ray task has no process on this machine (the run's `pid` in the store
        is its Ray worker's, on its node, once it starts)."""
        if resume and not self.store.requeue(run_id):
            raise LabInputError(f"run {run_id} is not interrupted any more (already resumed?)")
        self._ensure_dispatcher()
        self.dispatch()

    def recover(self) -> list[str]:
        """At a server's start: interrupt the runs orphaned by servers that are gone (see
        settle_orphans), then start the queued runs. Returns the interrupted runs' ids."""
        gone = self.settle_orphans()
        self.submit_queued()
        return gone

    def settle_orphans(self) -> list[str]:
        """Mark interrupted (and resumable) the Ray runs whose server's Ray job has ended: Ray
        ended their tasks with it. That is a server of any machine that died, or an earlier
        server with this very pid. Runs claimed before jobs were kept (no `ray_job`): those of
        this machine's servers that are not connected any more, or that had this pid."""
        with self._lock:
            active = [r for r in self.store.active_runs("ray") if r.id not in self._refs]
            claimed = [r for r in active if r.owner is not None]
            if not claimed:
                return []
            # after the runs: a server that claimed one of them was connected before it did
            jobs, drivers = live_jobs(self._ray)
            mine, here = os.getpid(), this_host()
            gone = [
                r.id
                for r in claimed
                if (r.ray_job not in jobs if r.ray_job
                    else r.host == here and (r.owner == mine or r.owner not in drivers))
            ]  # fmt: skip
            return [i for i in gone if self.store.interrupt_if_active(i, ORPHANED)]

    def submit_queued(self) -> None:
        """Start the runs already waiting in the store (e.g. after a server restart)."""
        if self.store.next_queued() is not None:
            self._ensure_dispatcher()
            self.dispatch()

    def dispatch(self) -> None:
        """Settle ended tasks, move cancels on, then submit queued runs while slots are free."""
        with self._lock:
            self.reap()
            self._step_cancels()
            while len(self._refs) < self.workers:
                run_id = self.store.claim_next(os.getpid(), self.name, self.job)
                if run_id is None:
                    return
                try:
                    self._start(run_id)
                except Exception as e:  # noqa: BLE001  (Ray refused it: this run fails, the line moves)
                    self.store.fail_if_active(run_id, f"could not submit the Ray task: {reason(e)}")

    def _start(self, run_id: str) -> None:
        env = {
            "LEPTON_HOME": str(self.store.home),
            "LEPTON_DB_URL": without_password(self.store.url),
        }
        env.update(self.caps.env())
        resume = (self.store.folder(run_id) / LAST_STATE).exists()
        task = self._task.options(name=f"lepton-{run_id}")
        self._refs[run_id] = task.remote(run_id, env, resume)

    def cancel(self, run_id: str) -> None:
        """Ask the run to stop: it stops at its next batch and keeps its best whole epoch. A task
        still waiting for CPUs is cancelled in Ray at once; a running one that has not ended
        after CANCEL_GRACE_S is cancelled in Ray, and then forced."""
        waiting = self.store.get(run_id).started is None  # (a queued run ends cancelled below)
        self.store.request_cancel(run_id)
        with self._lock:
            if run_id in self._refs and run_id not in self._cancels:
                self._cancels[run_id] = (time.monotonic() + (0 if waiting else CANCEL_GRACE_S), 0)
        self._ensure_dispatcher()
        self.dispatch()

    def _step_cancels(self) -> None:
        """Runs asked to stop (here or by another server): ray.cancel once their grace is over,
        with force after one more grace."""
        now = time.monotonic()
        for run_id, ref in self._refs.items():
            when, steps = self._cancels.get(run_id, (None, 0))
            if when is None:
                if self.store.cancel_requested(run_id):
                    self._cancels[run_id] = (now + CANCEL_GRACE_S, 0)
            elif now >= when and steps < 2:
                self._ray.cancel(ref, force=steps == 1)
                self._cancels[run_id] = (now + CANCEL_GRACE_S, steps + 1)

    def wait(self, run_id: str, timeout: float | None = None) -> int | None:
        """Wait for a run submitted here: 0 if it ended done, cancelled or interrupted, 1 if it
        failed, None if it has not ended."""
        ref = self._refs.get(run_id)
        if ref is not None:
            self._ray.wait([ref], timeout=timeout)
        self.dispatch()
        status = self._ended.get(run_id)
        return None if status is None else int(status == "failed")

    def reap(self) -> None:
        """Settle the tasks that ended: a run left active by its task fails with the reason."""
        with self._lock:
            if not self._refs:
                return
            refs = list(self._refs.values())
            ready, _ = self._ray.wait(refs, num_returns=len(refs), timeout=0)
            for run_id in [k for k, ref in self._refs.items() if ref in ready]:
                self._settle(run_id, self._refs.pop(run_id))
                self._cancels.pop(run_id, None)

    def _settle(self, run_id: str, ref) -> None:
        from ray.exceptions import RayError, TaskCancelledError

        try:
            self._ray.get(ref, timeout=0)
            error = "the Ray task ended without a final status"
        except TaskCancelledError:
            error = "the Ray task was cancelled"
        except RayError as e:
            error = f"the Ray task failed: {reason(e)}"
        try:
            rec = self.store.get(run_id)
        except LabInputError:  # deleted meanwhile: nothing left to settle
            self._ended[run_id] = "deleted"
            return
        if rec.status in ACTIVE and rec.cancel_requested:  # stopped by Ray before it could end
            self.store.finish(run_id, "cancelled", error=stopped_message(self.store, run_id))
        else:
            self.store.fail_if_active(run_id, error)
        self._ended[run_id] = self.store.get(run_id).status

    def _busy(self) -> bool:
        return bool(self._refs)


def cpus_per_job() -> int:
    """CPUs each Ray task reserves (LEPTON_RAY_CPUS_PER_JOB, default 1)."""
    raw = os.environ.get(CPUS_ENV, "").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise LabInputError(f"{CPUS_ENV} must be a whole number of CPUs, at least 1; got {raw!r}")
    return int(raw)


def connect(address: str):
    """`ray`, connected to the cluster at `address` (LabInputError if it cannot be reached)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise LabInputError(f"{ADDRESS_ENV} must be host:port of a Ray head, got {address!r}")
    try:  # a wrong address fails here at once (ray.init would retry for a long time)
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as e:
        raise LabInputError(f"no Ray head answers at {address} ({e}); {AUTH_HINT}") from None
    if host in LOOPBACK:  # a one-machine cluster: Ray must keep 127.0.0.1 (read at import)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    elif os.environ.get("RAY_AUTH_MODE") != "token":
        print(f"lepton: warning: Ray at {address} without RAY_AUTH_MODE=token", file=sys.stderr)
    import ray

    if ray.is_initialized():
        return ray
    failed: list[BaseException] = []
    root = str(Path(__file__).resolve().parents[2])

    def init() -> None:
        try:
            ray.init(
                address=address,
                namespace="lepton",
                runtime_env={"env_vars": {"PYTHONPATH": root}},
                log_to_driver=False,
                logging_level="WARNING",
            )
        except Exception as e:  # noqa: BLE001  (reported below with a hint)
            failed.append(e)

    thread = threading.Thread(target=init, daemon=True, name="ray-connect")
    thread.start()
    thread.join(CONNECT_TIMEOUT_S)
    if thread.is_alive() or failed:
        why = reason(failed[0]) if failed else f"no answer within {CONNECT_TIMEOUT_S:g} s"
        raise LabInputError(f"cannot connect to the Ray cluster at {address}: {why}; {AUTH_HINT}")
    return ray


def _watch_orphans(executor: "weakref.ref[RayExecutor]") -> None:
    """Every ORPHAN_CHECK_S: settle the runs of servers that are gone (until the executor is)."""
    while True:
        time.sleep(ORPHAN_CHECK_S)
        ex = executor()
        if ex is None:
            return
        try:
            ex.settle_orphans()
        except Exception as e:  # noqa: BLE001  (the store or Ray is away: try again later)
            print(f"lepton ray: orphan check failed: {reason(e)}", file=sys.stderr)
        del ex


def job_identity(ray) -> str:
    """This server's Ray job as "JOBID@start ms": job ids start again when a head restarts."""
    from ray._private import state  # the GCS job table: no dashboard needed

    me = ray.get_runtime_context().get_job_id()
    return next(_job_key(j) for j in state.jobs() if j["JobID"] == me)


def live_jobs(ray) -> tuple[set[str], set[int]]:
    """The Ray jobs whose driver (a server) is connected now, as job_identity writes them, and
    the process ids of those drivers that run on this machine."""
    from ray._private import state

    live = [j for j in state.jobs() if not j["IsDead"]]
    here = ray.util.get_node_ip_address()
    drivers_here = {int(j["DriverPid"]) for j in live if j["DriverIPAddress"] == here}
    return {_job_key(j) for j in live}, drivers_here


def _job_key(job: dict) -> str:
    """A row of Ray's job table as kept in the store's `ray_job`: "JOBID@start ms"."""
    return f"{job['JobID']}@{job['StartTime']}"


def reason(e: BaseException) -> str:
    """An exception's type and the first line of its message."""
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0]}" if lines else type(e).__name__
