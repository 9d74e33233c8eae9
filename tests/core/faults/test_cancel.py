"""Faults, part 1: a cancel in every phase (queued, first batch, mid-epoch, evaluation).

Each leaves its run cancelled with a clear message, and an earlier finished run's files stay
byte-identical (the `store` fixture checks). Real RunStore (SQLite), real training."""

import dataclasses

import pytest

from lepton_core.models import load_lab_model
from lepton_core.runs import LocalExecutor, RunStore
from lepton_core.runs.job import LAST_STATE, run_job
from lepton_core.tasks import get_task
from lepton_core.training import Callback, Cancel
from lepton_core.training.callbacks import saved_epoch
from tests.core.faults.conftest import new_run


class CancelAt(Callback):
    """Ask the store to cancel the run at (epoch, batch); note the last batch that ran."""

    def __init__(self, store: RunStore, run_id: str, epoch: int, batch: int | None) -> None:
        self.store, self.run_id, self.at = store, run_id, (epoch, batch)
        self.last, self.n_batches = None, 0

    def on_batch_end(self, trainer) -> None:
        self.last, self.n_batches = (trainer.epoch, trainer.batch), trainer.n_batches
        batch = self.at[1] if self.at[1] is not None else trainer.n_batches // 2
        if self.last == (self.at[0], batch):
            self.store.request_cancel(self.run_id)
            for cb in trainer.callbacks:  # the job's Cancel polls the store at the next batch
                if isinstance(cb, Cancel):  # (not 0.2 s later): no timing in this test
                    cb.last = 0.0


class CancelAtTrainEnd(Callback):
    """Ask for a cancel after the last batch, just before evaluation starts."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store, self.run_id = store, run_id

    def on_train_end(self, trainer) -> None:
        self.store.request_cancel(self.run_id)


def test_a_cancelled_queued_run_never_starts(store, lab) -> None:
    run_id = new_run(store, 1)
    store.request_cancel(run_id)
    assert store.get(run_id).status == "cancelled"  # at once, no worker involved
    executor = LocalExecutor(store, workers=1)
    assert executor.submit(run_id) is None  # a pool running later does not pick it up
    assert store.queue() == [] and not (store.folder(run_id) / "worker.log").exists()
    # even a worker that raced for it gives up before training
    assert run_job(store, run_id, dataset=lab[3]) == "cancelled"
    rec = store.get(run_id)
    assert rec.status == "cancelled" and rec.started is None and rec.epochs_completed == 0
    assert not (store.folder(run_id) / "checkpoint.safetensors").exists()


def test_cancel_at_the_first_batch_keeps_nothing_half_done(store, lab) -> None:
    run_id = new_run(store, 3)
    at = CancelAt(store, run_id, 0, 0)
    assert run_job(store, run_id, (at,), dataset=lab[3]) == "cancelled"
    rec = store.get(run_id)
    assert at.last == (0, 1)  # it stopped after the next batch
    assert rec.status == "cancelled" and rec.error == "cancelled before the first epoch ended"
    assert store.history(run_id) == [] and rec.epochs_completed == 0 and rec.metrics == {}
    assert not (store.folder(run_id) / "checkpoint.safetensors").exists()


def test_cancel_mid_epoch_keeps_whole_epochs_and_evaluates_the_best(store, lab) -> None:
    run_id = new_run(store, 3)
    at = CancelAt(store, run_id, 1, None)
    assert run_job(store, run_id, (at,), dataset=lab[3]) == "cancelled"
    rec = store.get(run_id)
    assert at.last == (1, at.n_batches // 2 + 1)  # stopped in epoch 2, after the next batch
    assert [row["epoch"] for row in store.history(run_id)] == [1] and rec.epochs_completed == 1
    assert rec.error.startswith("cancelled during epoch 2: the best model of the 1 whole epoch")
    assert rec.metrics["stop_reason"] == "cancelled" and rec.metrics["best_epoch"] == 1
    assert 0 < rec.metrics["test_accuracy"] <= 1
    load_lab_model(store.folder(run_id))  # the checkpoint is whole
    assert saved_epoch(store.folder(run_id) / LAST_STATE) == 1


@pytest.mark.parametrize("when", ["before", "during"])
def test_cancel_at_evaluation_ends_cancelled_with_the_evaluation_kept(
    store, lab, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """Decision: evaluation is one short pass and is not cut; a cancel asked for after the last
    batch or while it runs ends the run "cancelled" with its metrics and a message saying so."""
    run_id = new_run(store, 2)
    extra = (CancelAtTrainEnd(store, run_id),) if when == "before" else ()
    if when == "during":  # fault injection: the cancel arrives while the test split is scored

        def cancelled_meanwhile(model, ds):
            assert store.get(run_id).progress["phase"] == "evaluating"
            store.request_cancel(run_id)
            return real.evaluate(model, ds)

        real = get_task("image-classification")
        patched = dataclasses.replace(real, evaluate=cancelled_meanwhile)
        monkeypatch.setattr("lepton_core.runs.job.get_task", lambda name: patched)
    assert run_job(store, run_id, extra, dataset=lab[3]) == "cancelled"
    rec = store.get(run_id)
    assert rec.error.startswith("cancelled during evaluation, after all 2 epochs"), rec.error
    assert rec.epochs_completed == 2 and rec.metrics["stop_reason"] == "completed"
    assert 0 < rec.metrics["test_accuracy"] <= 1
    assert (store.folder(run_id) / "evaluation.json").exists()
