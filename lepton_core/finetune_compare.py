"""Fine-tuned runs among the others: runs a model can start from, and a from-scratch twin."""

import json

from lepton_core.config import RunConfig
from lepton_core.errors import LabInputError
from lepton_core.finetune import init_record
from lepton_core.runs.store import RunStore
from lepton_core.tasks import get_task, run_task


def _same_run_from_scratch(config: dict) -> dict:
    twin = RunConfig.from_dict(config).scratch_twin().to_dict()
    twin.pop("name")
    return twin


def find_scratch_twin(store: RunStore, run_id: str) -> str | None:
    """The newest run of the same workspace with this fine-tuned run's settings but random
    initial weights."""
    rec = store.get(run_id)
    config = rec.config
    if not config.get("train", {}).get("init_from"):
        return None
    want = _same_run_from_scratch(config)
    for record in store.list_runs(workspace=rec.workspace):
        if record.workspace != rec.workspace:
            continue  # a published run of another workspace is not this run's twin
        if record.id != run_id and not record.config.get("train", {}).get("init_from"):
            if _same_run_from_scratch(record.config) == want:
                return record.id
    return None


def comparison(store: RunStore, run_id: str) -> list[dict]:
    """A fine-tuned run and its from-scratch twin (when there is one); [] if not fine-tuned."""
    if init_record(store.folder(run_id)) is None:
        return []
    rows = []
    twin = find_scratch_twin(store, run_id)
    for rid, label in ((run_id, "fine-tuned"), (twin, "from scratch")):
        if rid is not None:
            record = store.get(rid)
            rows.append(
                {
                    "run_id": rid,
                    "label": label,
                    "status": record.status,
                    "headline": get_task(record.task).headline,
                    "metrics": record.metrics,
                    "history": store.history(rid),
                    "init": init_record(store.folder(rid)),
                }
            )
    return rows


def starting_runs(
    store: RunStore, ds, limit: int = 200, workspace: str | None = None
) -> list[tuple]:
    """(record, model meta) of finished runs (that `workspace` sees) whose model takes this
    data's inputs."""
    found = []
    for record in store.list_runs(limit=limit, workspace=workspace):
        folder = store.folder(record.id)
        if not (folder / "checkpoint.safetensors").exists() or record.status in (
            "queued",
            "running",
        ):
            continue
        meta = json.loads((folder / "model.json").read_text())
        try:
            run_task(ds.task, meta["model"])
        except LabInputError:
            continue
        if list(meta["input_shape"]) == list(ds.input_shape):
            found.append((record, meta))
    return found
