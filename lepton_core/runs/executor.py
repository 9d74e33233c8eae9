"""Executors start queued runs somewhere and report how they end; all progress goes through
the RunStore, so the app cannot tell them apart.

Two are registered: `local` (LocalExecutor, worker processes on this machine: the default)
and `ray` (RayExecutor, one Ray task per run on the cluster at LEPTON_RAY_ADDRESS).
`make_executor` picks one from the environment: LEPTON_EXECUTOR names it; without it, `ray`
when LEPTON_RAY_ADDRESS is set, else `local`. Ray itself is imported only by the `ray` one.
"""

import os
from typing import Protocol

from lepton_core.errors import LabInputError
from lepton_core.runs.caps import JobCaps
from lepton_core.runs.local_executor import POLL_S, WORKERS_ENV, LocalExecutor, pool_size
from lepton_core.runs.ray_executor import ADDRESS_ENV, RayExecutor
from lepton_core.runs.store import RunStore

__all__ = [
    "EXECUTORS",
    "EXECUTOR_ENV",
    "POLL_S",
    "WORKERS_ENV",
    "Executor",
    "LocalExecutor",
    "RayExecutor",
    "executor_name",
    "make_executor",
    "pool_size",
]

EXECUTOR_ENV = "LEPTON_EXECUTOR"


class Executor(Protocol):
    """What the app and the CLI use to run queued runs."""

    name: str
    workers: int  # runs at once that this executor starts (the pool size shown in the app)
    caps: JobCaps  # the per-job caps it passes to every run

    def submit(self, run_id: str, resume: bool = False) -> int | None:
        """Queue a run (`resume`: put an interrupted run back in line first).

        Returns the pid of a local worker that started at once, else None."""

    def cancel(self, run_id: str) -> None:
        """Stop a run: it ends `cancelled`, keeping its best whole epoch."""

    def recover(self) -> list[str]:
        """At a server's start: settle runs left active by a server that is gone, then start
        the queued ones. Returns the ids of the runs it marked interrupted."""

    def submit_queued(self) -> None:
        """Start the runs already waiting in the store."""

    def wait(self, run_id: str, timeout: float | None = None) -> int | None:
        """Wait for a run started here: 0 if it ended done, cancelled or interrupted, another
        number if it failed, None if it has not ended (or was not started here)."""


EXECUTORS: dict[str, type] = {"local": LocalExecutor, "ray": RayExecutor}


def executor_name() -> str:
    """LEPTON_EXECUTOR if set; else `ray` when LEPTON_RAY_ADDRESS is set; else `local`."""
    name = os.environ.get(EXECUTOR_ENV, "").strip().lower()
    if not name:
        return "ray" if os.environ.get(ADDRESS_ENV, "").strip() else "local"
    if name not in EXECUTORS:
        raise LabInputError(f"{EXECUTOR_ENV} must be one of {', '.join(EXECUTORS)}, got {name!r}")
    return name


def make_executor(
    store: RunStore, workers: int | None = None, caps: JobCaps | None = None
) -> Executor:
    """The executor the environment asks for (see executor_name)."""
    return EXECUTORS[executor_name()](store, workers, caps)
