"""Resume an interrupted run from the training state saved after its last whole epoch."""

from lepton_core.errors import LabInputError
from lepton_core.runs.executor import LocalExecutor
from lepton_core.runs.job import LAST_STATE, run_job
from lepton_core.runs.store import RunRecord, RunStore
from lepton_core.training.callbacks import Callback, saved_epoch


def resume_point(store: RunStore, run_id: str) -> int:
    """The epochs a resumed run keeps; it trains on from the next one (0: from the start)."""
    return saved_epoch(store.folder(run_id) / LAST_STATE)


def check_resumable(store: RunStore, run_id: str) -> RunRecord:
    """The run, if it can be resumed; else LabInputError saying why."""
    store.reconcile()  # a run whose worker died with its server is interrupted now
    rec = store.get(run_id)
    if rec.status != "interrupted":
        raise LabInputError(f"run {run_id} is {rec.status}: only an interrupted run can be resumed")
    if rec.cancel_requested:
        raise LabInputError(
            f"run {run_id} was being cancelled when it stopped; start a new run instead"
        )
    return rec


def resume(
    store: RunStore,
    run_id: str,
    executor: LocalExecutor | None = None,
    callbacks: tuple[Callback, ...] = (),
) -> str:
    """Continue an interrupted run to its configured epochs, appending to its history.

    With an executor it goes back in the worker queue and returns "queued" at once; without
    one it trains here and returns the final status. Same data, config and seed give the same
    epochs as a run that was never interrupted.
    """
    check_resumable(store, run_id)
    if executor is None:
        return run_job(store, run_id, callbacks, resume=True)
    executor.submit(run_id, resume=True)
    return "queued"
