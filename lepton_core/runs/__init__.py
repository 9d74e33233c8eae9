"""Runs: the RunStore, the worker-process executor and the Run handle."""

from lepton_core.runs.executor import LocalExecutor
from lepton_core.runs.run import Run
from lepton_core.runs.store import ACTIVE, STATUSES, RunRecord, RunStore

__all__ = ["ACTIVE", "STATUSES", "LocalExecutor", "Run", "RunRecord", "RunStore"]
