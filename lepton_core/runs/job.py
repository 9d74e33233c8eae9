"""One training job, start to finish: data -> model -> Trainer -> evaluation -> RunStore."""

import errno
import json
import os
import time
import traceback
from functools import partial
from pathlib import Path

from lepton_core.config import RunConfig
from lepton_core.data import load_dataset
from lepton_core.errors import LabInputError
from lepton_core.finetune import INIT_FILE, initialise
from lepton_core.models import model_for, save_lab_model
from lepton_core.runs.caps import TIME_LIMIT, JobCaps, TimeLimit
from lepton_core.runs.store import RunStore
from lepton_core.tasks import fit_dataset, get_task
from lepton_core.training import (
    BestCheckpoint,
    Callback,
    Cancel,
    EarlyStopping,
    Progress,
    Trainer,
    seed_everything,
)
from lepton_core.training.callbacks import LastState, load_train_state

LAST_STATE = "last_state.safetensors"  # written after every epoch: a run resumes from it
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class StoreHistory(Callback):
    """Write each epoch's row to the RunStore as soon as it exists."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store, self.run_id = store, run_id

    def on_epoch_end(self, trainer) -> None:
        self.store.add_epoch(self.run_id, trainer.history[-1])


def run_job(
    store: RunStore,
    run_id: str,
    callbacks: tuple[Callback, ...] = (),
    dataset=None,
    resume: bool = False,
) -> str:
    """Train and evaluate one run; every outcome ends in the store. Returns the final status.

    `dataset`: the run's LabDataset when the caller already loaded it (else it is loaded here).
    `resume`: carry on from the run's last saved state (after its last whole epoch), if any.
    """
    store.mark_running(run_id, os.getpid())
    try:
        return _train_and_evaluate(store, run_id, callbacks, dataset, resume)
    except LabInputError as e:
        store.finish(run_id, "failed", error=str(e))
    except OSError as e:
        if e.errno not in DISK_FULL:
            _fail_internal(store, run_id, e)
            return "failed"
        name = Path(str(e.filename or "a file")).name.removeprefix(".").removesuffix(".tmp")
        error = f"the disk is full: {name} could not be written;"
        error += f" free some space under {store.home} and run again"
        store.finish(run_id, "failed", error=error + _kept(store, run_id))
    except Exception as e:  # the run fails, the process and the store survive
        _fail_internal(store, run_id, e)
    return "failed"


def stopped_message(store: RunStore, run_id: str) -> str:
    """Why a run whose executor ended its job after a cancel (ray.cancel) is cancelled, and
    what it keeps."""
    if not (store.folder(run_id) / "checkpoint.safetensors").exists():
        return "cancelled before the first epoch ended"
    done = store.get(run_id).epochs_completed
    return (
        f"cancelled: the job was stopped during epoch {done + 1}; the best model of the"
        f" {done} whole epoch(s) before is kept (not evaluated)"
    )


def _fail_internal(store: RunStore, run_id: str, e: Exception) -> None:
    try:
        (store.folder(run_id) / "error.log").write_text(traceback.format_exc())
    except OSError:
        pass  # no room for the log: the message in the store still says what happened
    store.finish(run_id, "failed", error=f"internal error: {type(e).__name__}: {e}")


def _kept(store: RunStore, run_id: str) -> str:
    """What a failed run leaves behind that still works."""
    if (store.folder(run_id) / "checkpoint.safetensors").exists():
        return " (the best checkpoint saved before it is intact)"
    return ""


def _train_and_evaluate(
    store: RunStore, run_id: str, extra: tuple[Callback, ...], ds, resume: bool
) -> str:
    cfg = RunConfig.from_dict(store.get(run_id).config)
    folder = store.folder(run_id)
    store.set_progress(run_id, {"phase": "loading data"})
    if ds is None:
        ds = load_dataset(cfg.data.source, **cfg.data.options)
    ds = fit_dataset(ds, cfg.model.name)
    caps = JobCaps.from_env()  # the server's per-job caps, passed to its workers
    caps.check_dataset(ds)
    (folder / "data_report.json").write_text(json.dumps(ds.report.to_dict(), indent=2))
    store.set_task(run_id, ds.task)
    if store.cancel_requested(run_id):
        store.finish(run_id, "cancelled", error="cancelled before training started")
        return "cancelled"
    if ds.meta:
        (folder / "preprocessing.json").write_text(json.dumps(ds.meta, indent=2))
    task = get_task(ds.task)
    seed_everything(cfg.train.seed)  # the initial weights depend on the seed, not on earlier runs
    model = model_for(cfg.model.name, cfg.model.options, ds)
    if cfg.train.init_from:  # fine-tuning: earlier weights in, maybe a frozen backbone
        init = initialise(model, cfg.train, store)
        (folder / INIT_FILE).write_text(json.dumps(init, indent=2))
    callbacks = [
        StoreHistory(store, run_id),
        BestCheckpoint(save=lambda m, _row: save_lab_model(m, folder)),
        Cancel(partial(store.cancel_requested, run_id)),
        Progress(partial(store.set_progress, run_id)),
        *extra,
    ]
    if cfg.train.patience:
        callbacks.append(EarlyStopping(cfg.train.patience))
    if caps.max_wall_minutes:
        callbacks.append(TimeLimit(caps.max_wall_minutes))
    callbacks.append(LastState(folder / LAST_STATE))  # last: it saves the others' state too
    augment = None
    # torchvision takes 1.6 s to import: only when needed; an autoencoder's target is unaugmented
    if cfg.train.augment.enabled and not task.target_is_input:
        from lepton_core.data.augment import augment_batch, build_augment

        transform = build_augment(cfg.train.augment, ds.input_shape[0])
        augment = partial(augment_batch, transform=transform)
    loss = partial(task.loss, **task.loss_options(model)) if task.loss_options else task.loss
    trainer = Trainer(model, cfg.train, callbacks, augment, loss, task.classification)
    if resume and (folder / LAST_STATE).exists():
        trainer.resume_from(load_train_state(folder / LAST_STATE))
    y = ds.x if task.target_is_input else ds.y  # an autoencoder's target is its input
    t0 = time.monotonic()
    trainer.fit(ds.x["train"], y["train"], ds.x["val"], y["val"])
    train_seconds = round(trainer.seconds_before + time.monotonic() - t0, 2)
    if trainer.stop_reason == "interrupted":  # the server that started this worker is gone
        done = len(trainer.history)
        store.finish(run_id, "interrupted", error=f"the server stopped after epoch {done}")
        return "interrupted"
    cancelled = trainer.stop_reason == "cancelled"
    if not (folder / "checkpoint.safetensors").exists():
        if trainer.stop_reason == TIME_LIMIT:
            limit = f"{caps.max_wall_minutes:g} min"
            error = f"the first epoch did not end within this server's time cap of {limit}"
            store.finish(run_id, "failed", error=error)
            return "failed"
        store.finish(run_id, "cancelled", error="cancelled before the first epoch ended")
        return "cancelled"
    store.set_progress(run_id, dict(trainer.progress(), phase="evaluating"))
    # evaluation is one short pass and is not cut: a cancel asked for during it (or after the
    # last batch) ends the run cancelled, with the evaluated model and its metrics kept
    metrics, evaluation = task.evaluate(model, ds)
    (folder / "evaluation.json").write_text(json.dumps(evaluation))
    metrics.update(best_epoch=trainer.best_epoch, stop_reason=trainer.stop_reason or "completed")
    done, error = len(trainer.history), ""
    if cancelled:
        error = f"cancelled during epoch {done + 1}: the best model of the {done} whole epoch(s)"
        error += " before it is kept and was evaluated"
    elif store.cancel_requested(run_id):
        cancelled, error = True, f"cancelled during evaluation, after all {done} epochs:"
        error += " the model is kept and its evaluation was finished"
    status = "cancelled" if cancelled else "done"
    store.finish(run_id, status, metrics=metrics, error=error, train_seconds=train_seconds)
    return status
