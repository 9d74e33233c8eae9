"""Per-job caps a server sets for every run it starts: epochs, wall time, dataset size.

They come from the environment (LEPTON_MAX_EPOCHS, LEPTON_MAX_WALL_MINUTES,
LEPTON_MAX_DATASET_MB) and from an instructor preset's [limits]; the smaller value wins.
The server checks epochs before a run exists; the worker checks the dataset once it is
loaded and stops training at the wall-time cap (keeping the best whole epoch so far).
"""

import os
import time
from dataclasses import asdict, dataclass

from lepton_core.errors import LabInputError
from lepton_core.training.callbacks import Callback

ENV = {
    "max_epochs": "LEPTON_MAX_EPOCHS",
    "max_wall_minutes": "LEPTON_MAX_WALL_MINUTES",
    "max_dataset_mb": "LEPTON_MAX_DATASET_MB",
}
TIME_LIMIT = "time limit"  # Trainer.stop_reason when the wall-time cap stops a run


@dataclass(frozen=True)
class JobCaps:
    """0 means no cap."""

    max_epochs: int = 0
    max_wall_minutes: float = 0.0
    max_dataset_mb: float = 0.0

    @classmethod
    def from_env(cls, limits: dict | None = None) -> "JobCaps":
        """Caps from the environment, tightened by a preset's limits (same names)."""
        values = {}
        for name, var in ENV.items():
            raw = os.environ.get(var, "").strip()
            try:
                env = float(raw) if raw else 0.0
            except ValueError:
                raise LabInputError(f"{var} must be a number, got {raw!r}") from None
            caps = [v for v in (env, float((limits or {}).get(name, 0))) if v > 0]
            values[name] = min(caps) if caps else 0.0
        values["max_epochs"] = int(values["max_epochs"])
        return cls(**values)

    def env(self) -> dict[str, str]:
        """The caps as environment variables, for the worker processes."""
        return {ENV[k]: str(v) for k, v in asdict(self).items() if v}

    def check_epochs(self, epochs: int) -> None:
        """LabInputError if a run asks for more epochs than allowed."""
        if self.max_epochs and epochs > self.max_epochs:
            raise LabInputError(f"epochs is at most {self.max_epochs} on this server")

    def check_dataset(self, ds) -> None:
        """LabInputError if the loaded data (all splits, as tensors) is above the cap."""
        if not self.max_dataset_mb:
            return
        mb = dataset_mb(ds)
        if mb > self.max_dataset_mb:
            raise LabInputError(
                f"the dataset takes {mb:.0f} MB in memory; this server allows "
                f"{self.max_dataset_mb:g} MB per run: use fewer or smaller images, or fewer rows"
            )


def dataset_mb(ds) -> float:
    """Size of a LabDataset's tensors in MB."""
    parts = [*ds.x.values(), *ds.y.values()]
    return sum(t.numel() * t.element_size() for t in parts) / 1e6


class TimeLimit(Callback):
    """Stop training once `minutes` of wall time have passed (checked between batches)."""

    def __init__(self, minutes: float) -> None:
        self.seconds, self.start = minutes * 60, time.monotonic()

    def on_train_start(self, trainer) -> None:
        self.start = time.monotonic()

    def on_batch_end(self, trainer) -> None:
        if time.monotonic() - self.start > self.seconds:
            trainer.stop(TIME_LIMIT)
