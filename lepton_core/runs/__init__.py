"""Runs: the RunStore, the executors (local worker processes, or Ray) and the Run handle."""

from lepton_core.runs.executor import Executor, LocalExecutor, make_executor
from lepton_core.runs.run import Run
from lepton_core.runs.store import ACTIVE, STATUSES, RunRecord, RunStore

__all__ = [
    "ACTIVE",
    "STATUSES",
    "Executor",
    "LocalExecutor",
    "Run",
    "RunRecord",
    "RunStore",
    "make_executor",
]
