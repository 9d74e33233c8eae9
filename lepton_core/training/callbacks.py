"""Trainer callbacks: no-op hooks; stopping is a flag (`trainer.should_stop`), not an exception."""

import copy
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file


class Callback:
    """Base class: override the hooks you need."""

    def on_train_start(self, trainer) -> None: ...
    def on_batch_end(self, trainer) -> None: ...
    def on_epoch_end(self, trainer) -> None: ...
    def on_train_end(self, trainer) -> None: ...

    def state_dict(self) -> dict:
        """What a resumed run needs to carry on where this callback was (tensors allowed)."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore what `state_dict()` returned."""


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

    def state_dict(self) -> dict:
        """The best loss so far and the epochs without progress."""
        return {"best": self.best, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict) -> None:
        """Carry on counting from a saved state."""
        self.best, self.bad_epochs = state["best"], state["bad_epochs"]


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

    def state_dict(self) -> dict:
        """The best loss, its epoch and its weights."""
        return {"loss": self.best_loss, "epoch": self.best_epoch, "weights": self.best_state}

    def load_state_dict(self, state: dict) -> None:
        """Carry on from a saved best (its weights included)."""
        self.best_loss, self.best_epoch = state["loss"], state["epoch"]
        self.best_state = state["weights"]


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


class ParentWatch(Callback):
    """Stop ("interrupted") as soon as the process that started this one is gone.

    A worker runs in its own session, so it outlives a killed server; the server's successor
    finds the run interrupted (with its last state) and can resume it.
    """

    def __init__(self, parent_pid: int) -> None:
        self.parent_pid = parent_pid

    def on_batch_end(self, trainer) -> None:
        if os.getppid() != self.parent_pid:  # orphans are re-parented (to init or a subreaper)
            trainer.stop("interrupted")


class LastState(Callback):
    """After every epoch, write the whole training state to `path` (atomically), to resume from."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def on_epoch_end(self, trainer) -> None:
        save_train_state(trainer.state_dict(), self.path)


def save_train_state(state: dict, path: Path) -> None:
    """Tensors into a safetensors file, everything else as JSON in its metadata; atomic."""
    tensors: dict[str, torch.Tensor] = {}
    meta = _split(state, tensors, "t")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        save_file(tensors, str(tmp), metadata={"lepton_train_state": json.dumps(meta)})
        os.replace(tmp, path)  # a reader (or a resumed run) never sees half a file
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves the earlier state, not half a file
        raise


def load_train_state(path: Path) -> dict:
    """The state `save_train_state` wrote (no pickle involved)."""
    return _join(_read_meta(path), load_file(str(path)))


def saved_epoch(path: Path) -> int:
    """How many whole epochs the saved state holds (0 when there is none), tensors unread."""
    return dict(_read_meta(path)["__items__"])["epoch"] if Path(path).exists() else 0


def _read_meta(path: Path) -> dict:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return json.loads(f.metadata()["lepton_train_state"])


def _split(obj, tensors: dict, path: str):
    """JSON-able copy of `obj` with each tensor replaced by a reference into `tensors`."""
    if isinstance(obj, torch.Tensor):
        tensors[path] = obj.detach().cpu().clone().contiguous()
        return {"__tensor__": path}
    if isinstance(obj, dict):  # optimizer states have int keys: keep them as they are
        return {"__items__": [[k, _split(v, tensors, f"{path}.{k}")] for k, v in obj.items()]}
    if isinstance(obj, list | tuple):
        return [_split(v, tensors, f"{path}.{i}") for i, v in enumerate(obj)]
    return obj


def _join(obj, tensors: dict):
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        return {k: _join(v, tensors) for k, v in obj["__items__"]}
    if isinstance(obj, list):
        return [_join(v, tensors) for v in obj]
    return obj


def accuracy_count(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Number of correct argmax predictions, as a 0-d tensor (no sync)."""
    return (logits.argmax(dim=1) == y).sum()
