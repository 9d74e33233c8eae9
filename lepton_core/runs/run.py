"""Run: a handle on one stored run (config, status, metrics, history, model, data)."""

import json
from functools import cached_property

from lepton_core.config import RunConfig
from lepton_core.errors import LabInputError
from lepton_core.runs.store import RunRecord, RunStore


class Run:
    """Read-only view of a run; `refresh()` re-reads the store."""

    def __init__(self, store: RunStore, record: RunRecord) -> None:
        self.store, self.record = store, record

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def metrics(self) -> dict:
        return self.record.metrics

    @property
    def folder(self):
        return self.store.folder(self.id)

    @cached_property
    def config(self) -> RunConfig:
        return RunConfig.from_dict(self.record.config)

    def refresh(self) -> "Run":
        """Re-read status, progress and metrics."""
        self.record = self.store.get(self.id)
        return self

    def history(self) -> list[dict]:
        """One dict per finished epoch."""
        return self.store.history(self.id)

    def model(self):
        """The best checkpoint as a LabModel in eval mode."""
        from lepton_core.models import load_lab_model

        if not (self.folder / "checkpoint.safetensors").exists():
            raise LabInputError(f"run {self.id} has no checkpoint (status: {self.status})")
        return load_lab_model(self.folder)

    @cached_property
    def dataset(self):
        """The run's data, reloaded with the same options (and so the same split)."""
        from lepton_core.data import load_dataset
        from lepton_core.tasks import fit_dataset

        ds = load_dataset(self.config.data.source, **self.config.data.options)
        return fit_dataset(ds, self.config.model.name)

    def evaluation(self) -> dict:
        """Per-test-example true labels and probabilities written after training."""
        path = self.folder / "evaluation.json"
        if not path.exists():
            raise LabInputError(f"run {self.id} has no evaluation yet (status: {self.status})")
        return json.loads(path.read_text())

    def data_report(self) -> dict:
        """The DataReport of the data this run trained on."""
        path = self.folder / "data_report.json"
        return json.loads(path.read_text()) if path.exists() else {}
