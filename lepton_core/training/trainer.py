"""A model-agnostic training loop for classifiers over in-memory tensors."""

import math
import time

import torch
import torch.nn.functional as F
from torch import nn

from lepton_core.config import TrainSpec
from lepton_core.training.callbacks import Callback, accuracy_count


def seed_everything(seed: int) -> None:
    """Seed torch (CPU) so the same seed gives the same run."""
    torch.manual_seed(seed)


def make_optimizer(model: nn.Module, spec: TrainSpec) -> torch.optim.Optimizer:
    """Adam, AdamW or SGD (momentum 0.9) from the spec, over the trainable parameters."""
    params = [p for p in model.parameters() if p.requires_grad]
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=spec.lr, weight_decay=spec.weight_decay)
    if spec.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=spec.lr, weight_decay=spec.weight_decay)
    return torch.optim.SGD(params, lr=spec.lr, momentum=0.9, weight_decay=spec.weight_decay)


def make_schedule(opt: torch.optim.Optimizer, spec: TrainSpec, total_steps: int):
    """A per-batch learning-rate schedule, or None."""
    if spec.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    if spec.schedule == "one-cycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=spec.lr, total_steps=total_steps)
    return None


class Trainer:
    """Mini-batch training with callbacks; `history` holds one dict per epoch."""

    def __init__(
        self,
        model: nn.Module,
        spec: TrainSpec,
        callbacks=(),
        augment=None,
        loss_fn=F.cross_entropy,
        classification: bool = True,
    ) -> None:
        self.model, self.spec = model, spec
        self.loss_fn, self.classification = loss_fn, classification
        self.callbacks: list[Callback] = list(callbacks)
        self.augment = augment  # callable on a batch, or None
        self.history: list[dict] = []
        self.should_stop, self.stop_reason = False, ""
        self.epoch = self.batch = self.n_batches = 0
        self.best_epoch: int | None = None
        self.start_time = 0.0
        self.start_epoch, self.seconds_before = 0, 0.0  # > 0 when resumed from a saved state
        self.opt = self.sched = self.gen = None
        self._resume: dict | None = None

    def stop(self, reason: str) -> None:
        """Ask the loop to stop after the current batch."""
        self.should_stop, self.stop_reason = True, reason

    def resume_from(self, state: dict) -> None:
        """Make `fit` carry on from a `state_dict()` saved after an epoch, not start over."""
        self._resume = state

    def state_dict(self) -> dict:
        """Everything needed to continue exactly after the last whole epoch (tensors included)."""
        return {
            "epoch": len(self.history),
            "history": self.history,
            "stop_reason": self.stop_reason,
            "seconds": round(self.seconds_before + time.monotonic() - self.start_time, 3),
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "scheduler": self.sched.state_dict() if self.sched is not None else None,
            "rng": torch.get_rng_state(),
            "generator": self.gen.get_state(),
            "callbacks": {k: cb.state_dict() for k, cb in self._named_callbacks().items()},
        }

    def _named_callbacks(self) -> dict:
        """Callbacks by class name (#2, #3 for repeats): a resumed run may add or drop others."""
        named: dict = {}
        for cb in self.callbacks:
            if not hasattr(cb, "state_dict"):
                continue  # a duck-typed callback without state
            name = type(cb).__name__
            named[name if name not in named else f"{name}#{len(named)}"] = cb
        return named

    def _restore(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        if self.sched is not None and state["scheduler"] is not None:
            self.sched.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"])
        self.gen.set_state(state["generator"])
        for name, cb in self._named_callbacks().items():
            if state["callbacks"].get(name):
                cb.load_state_dict(state["callbacks"][name])
        self.history = list(state["history"])
        self.start_epoch = self.epoch = state["epoch"]
        self.seconds_before = state["seconds"]
        if state["stop_reason"] not in ("", "interrupted", "cancelled"):
            self.stop(state["stop_reason"])  # it had already stopped early: nothing to train

    def progress(self) -> dict:
        """Where training is now: fraction done, elapsed and estimated remaining seconds."""
        done = (self.epoch + self.batch / max(self.n_batches, 1)) / self.spec.epochs
        elapsed = time.monotonic() - self.start_time
        new = done - self.start_epoch / self.spec.epochs  # the part done since (re)starting
        eta = elapsed / new * (1 - done) if new > 0 else None
        elapsed += self.seconds_before
        return {
            "epoch": self.epoch + 1,
            "epochs": self.spec.epochs,
            "batch": self.batch,
            "batches": self.n_batches,
            "fraction": round(min(done, 1.0), 4),
            "elapsed_s": round(elapsed, 2),
            "eta_s": None if eta is None else round(eta, 1),
        }

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict:
        """Validation loss (and accuracy for classifiers)."""
        logits = predict_logits(self.model, x, self.spec.batch_size * 4)
        row = {f"val_{k}": v.item() for k, v in loss_parts(self.loss_fn(logits, y)).items()}
        if self.classification:
            row["val_accuracy"] = accuracy_count(logits, y).item() / len(y)
        return row

    def _call(self, hook: str) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(self)

    def fit(self, x: torch.Tensor, y: torch.Tensor, x_val=None, y_val=None) -> list[dict]:
        """Train for `spec.epochs` (or until a callback stops it); returns the history."""
        spec, model = self.spec, self.model
        seed_everything(spec.seed)
        self.gen = gen = torch.Generator().manual_seed(spec.seed)
        n = len(y)
        self.n_batches = max(1, math.ceil(n / spec.batch_size))
        self.opt = opt = make_optimizer(model, spec)
        self.sched = sched = make_schedule(opt, spec, spec.epochs * self.n_batches)
        if self._resume is not None:
            self._restore(self._resume)
        self.start_time, start = time.monotonic(), self.start_epoch
        self._call("on_train_start")
        for self.epoch in range(start, spec.epochs):
            if self.should_stop:
                break
            t0 = time.monotonic()
            train_mode(model)
            perm = torch.randperm(n, generator=gen)
            sums: dict[str, torch.Tensor] = {}  # "loss" and any parts the loss reports
            correct, seen = torch.zeros((), dtype=torch.long), 0
            for batch in range(self.n_batches):
                self.batch = batch
                idx = perm[self.batch * spec.batch_size : (self.batch + 1) * spec.batch_size]
                if len(idx) < 2 and self.batch > 0:
                    break  # batch norm cannot train on a single example
                xb, yb = x[idx], y[idx]
                if self.augment is not None:
                    xb = self.augment(xb)
                opt.zero_grad(set_to_none=True)
                logits = model(xb)
                parts = loss_parts(self.loss_fn(logits, yb))
                parts["loss"].backward()
                lr = opt.param_groups[0]["lr"]  # the rate this batch used
                opt.step()
                if sched is not None:
                    sched.step()
                for k, v in parts.items():
                    sums[k] = sums.get(k, 0.0) + v.detach() * len(yb)
                if self.classification:
                    correct += accuracy_count(logits.detach(), yb)
                seen += len(yb)
                self._call("on_batch_end")
                if self.should_stop:
                    break
            if self.stop_reason in ("cancelled", "interrupted", "time limit"):
                break  # a cut-short epoch is not recorded: history holds whole epochs only
            self.batch = self.n_batches
            row = {"epoch": self.epoch + 1}
            row |= {f"train_{k}": float(v) / max(seen, 1) for k, v in sums.items()}
            row["lr"] = lr
            if self.classification:
                row["train_accuracy"] = correct.item() / max(seen, 1)
            if x_val is not None:
                row.update(self.evaluate(x_val, y_val))
            row["seconds"] = round(time.monotonic() - t0, 3)
            self.history.append(row)
            self._call("on_epoch_end")
            if self.should_stop:
                break
        self._call("on_train_end")
        return self.history


def train_mode(model: nn.Module) -> None:
    """Train mode, except modules whose parameters are all frozen: their batch-norm statistics
    stay as loaded, so a frozen backbone is left bit-identical by training."""
    model.train()
    for m in model.modules():
        params = list(m.parameters(recurse=False))
        if params and not any(p.requires_grad for p in params):
            m.eval()


def loss_parts(loss) -> dict[str, torch.Tensor]:
    """A loss as a dict: {"loss": scalar} or the task's own dict (with "loss" and its parts)."""
    return loss if isinstance(loss, dict) else {"loss": loss}


@torch.no_grad()
def predict_logits(model: nn.Module, x: torch.Tensor, batch_size: int = 256):
    """Outputs for all of `x`, in eval mode, in batches (a tuple where the model returns one)."""
    was_training = model.training
    model.eval()
    outs = [model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    model.train(was_training)
    if isinstance(outs[0], tuple):
        return tuple(torch.cat(parts) for parts in zip(*outs, strict=True))
    return torch.cat(outs)
