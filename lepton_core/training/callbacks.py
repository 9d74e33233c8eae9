"""Trainer callbacks: no-op hooks; stopping is a flag (`trainer.should_stop`), not an exception."""

import copy
import time
from collections.abc import Callable

import torch


class Callback:
    """Base class: override the hooks you need."""

    def on_train_start(self, trainer) -> None: ...
    def on_batch_end(self, trainer) -> None: ...
    def on_epoch_end(self, trainer) -> None: ...
    def on_train_end(self, trainer) -> None: ...


class EarlyStopping(Callback):
    """Stop when validation loss has not improved for `patience` epochs."""

    def __init__(self, patience: int, min_delta: float = 1e-4) -> None:
        self.patience, self.min_delta = patience, min_delta
        self.best, self.bad_epochs = float("inf"), 0

    def on_epoch_end(self, trainer) -> None:
        loss = trainer.history[-1].get("val_loss")
        if loss is None:
            return
        if loss < self.best - self.min_delta:
            self.best, self.bad_epochs = loss, 0
        else:
            self.bad_epochs += 1
            if self.bad_epochs >= self.patience:
                trainer.stop("early stopping")


class BestCheckpoint(Callback):
    """Keep the weights of the epoch with the lowest validation loss; restore them at the end.

    `save(model, row)` is called on every improvement (e.g. to write checkpoint.safetensors).
    """

    def __init__(self, save: Callable | None = None) -> None:
        self.save = save
        self.best_loss, self.best_state, self.best_epoch = float("inf"), None, None

    def on_epoch_end(self, trainer) -> None:
        row = trainer.history[-1]
        loss = row.get("val_loss", row["train_loss"])
        if loss < self.best_loss:
            self.best_loss, self.best_epoch = loss, row["epoch"]
            self.best_state = copy.deepcopy(trainer.model.state_dict())
            if self.save:
                self.save(trainer.model, row)

    def on_train_end(self, trainer) -> None:
        if self.best_state is not None:
            trainer.model.load_state_dict(self.best_state)
            trainer.best_epoch = self.best_epoch


class Cancel(Callback):
    """Poll `is_cancelled()` at most every `every_s` seconds, between batches."""

    def __init__(self, is_cancelled: Callable[[], bool], every_s: float = 0.2) -> None:
        self.is_cancelled, self.every_s, self.last = is_cancelled, every_s, 0.0

    def on_batch_end(self, trainer) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            if self.is_cancelled():
                trainer.stop("cancelled")


class Progress(Callback):
    """Report `trainer.progress()` at most every `every_s` seconds, and after every epoch."""

    def __init__(self, report: Callable[[dict], None], every_s: float = 0.5) -> None:
        self.report, self.every_s, self.last = report, every_s, 0.0

    def on_batch_end(self, trainer) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            self.report(trainer.progress())

    def on_epoch_end(self, trainer) -> None:
        self.report(trainer.progress())


def accuracy_count(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Number of correct argmax predictions, as a 0-d tensor (no sync)."""
    return (logits.argmax(dim=1) == y).sum()
