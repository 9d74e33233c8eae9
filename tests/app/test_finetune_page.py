"""Fine-tuning in the app: Train starts from a run (with a from-scratch twin), Evaluate compares."""

import pickle
import time

from lepton_core.api import train
from lepton_core.runs import RunStore
from tests.app.conftest import open_page, texts


def _by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def _wait(store: RunStore, run_id: str, seconds: float = 150) -> None:
    deadline = time.monotonic() + seconds
    while store.get(run_id).status in ("queued", "running"):
        assert time.monotonic() < deadline, f"run {run_id} did not finish"
        time.sleep(0.5)


def test_fine_tune_a_run_beside_its_from_scratch_twin(home) -> None:
    store = RunStore(home)
    source = train("digits", model="seed-cnn", epochs=1, store=store)
    at = open_page("pages/train.py")
    _by_label(at.selectbox, "Model").select("seed-cnn").run()
    start = _by_label(at.selectbox, "Start from")
    assert len(start.options) == 3 and source.id[-6:] in start.options[1]  # scratch, run, file

    start.select_index(2).run()  # a file: a pickle is refused, and nothing can start
    _by_label(at.file_uploader, "Weights (.safetensors state dict)").upload(
        "weights.safetensors", pickle.dumps({"w": 1}), "application/octet-stream"
    ).run()
    assert not at.exception
    assert "not in safetensors format" in texts(at)
    assert _by_label(at.button, "Start training").disabled

    _by_label(at.selectbox, "Start from").select_index(1).run()
    _by_label(at.number_input, "Epochs").set_value(1).run()
    _by_label(at.checkbox, "Freeze backbone").check().run()
    _by_label(at.checkbox, "Also train from scratch to compare").check().run()
    _by_label(at.button, "Start training").click().run()
    assert not at.exception
    runs = [r for r in store.list_runs() if r.id != source.id]
    assert len(runs) == 2 and all(r.pid for r in runs)  # two worker processes
    tuned = next(r for r in runs if r.config["train"]["init_from"] == source.id)
    for r in runs:
        _wait(store, r.id)
    assert store.get(tuned.id).status == "done", store.get(tuned.id).error

    at = open_page("pages/evaluate.py", tuned.id)
    assert not at.exception
    page = texts(at)
    assert f"Started from **run {source.id}**" in page and "backbone frozen" in page
    labels = {m.label for m in at.metric}
    assert {"Test accuracy, fine-tuned", "Test accuracy, from scratch"} <= labels
