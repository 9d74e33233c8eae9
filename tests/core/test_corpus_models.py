"""Malformed-input corpus, model files: weights to fine-tune from that are pickles, lie about
their header, or do not fit, are refused by `lepton train --init-from` with one line (exit 2);
the engine's upload check refuses them before they are stored; a stored run is untouched."""

import pytest
from safetensors.torch import load_file

from lepton_core.api import train
from lepton_core.data.uploads import save_upload_weights
from lepton_core.errors import LabInputError
from lepton_core.runs import RunStore
from tests.data.bad_models import WEIGHT_CASES, wrong_shapes
from tests.data.bad_tables import stored_state
from tests.data.corpus import refused

UPLOAD_CHECKED = ["pickle-renamed", "plain-pickle", "huge-header", "header-past-end", "no-tensors"]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A LEPTON_HOME holding one finished seed-cnn run, for the whole module."""
    home = tmp_path_factory.mktemp("corpus_models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        run = train("digits", model="seed-cnn", epochs=1, store=RunStore(home))
        yield home, run.id


@pytest.fixture(scope="module")
def cases(home) -> dict:
    """Every weights case as bytes; wrong-shapes is grown from the stored run's own weights."""
    root, run_id = home
    state = load_file(str(root / "runs" / run_id / "checkpoint.safetensors"))
    made = {name: (make(), words) for name, (make, words) in WEIGHT_CASES.items()}
    made["wrong-shapes"] = (wrong_shapes(state), "do not fit")
    return made


def _train_from(path, capsys) -> str:
    argv = ["train", "--data", "digits", "--model", "seed-cnn", "--epochs", "1"]
    line, out = refused([*argv, "--init-from", str(path)], capsys)
    assert "a pickle was loaded" not in out + line  # the pickle's payload never ran
    return line


@pytest.mark.parametrize("case", [*WEIGHT_CASES, "wrong-shapes"])
def test_bad_weights_are_refused_with_one_line(home, cases, case, tmp_path, capsys):
    data, words = cases[case]
    path = tmp_path / f"{case}.safetensors"
    path.write_bytes(data)
    line = _train_from(path, capsys)
    assert line.startswith("lepton: error: ") and words in line, line


@pytest.mark.parametrize("case", UPLOAD_CHECKED)
def test_the_upload_check_refuses_before_storing(home, cases, case):
    root, _ = home
    with pytest.raises(LabInputError, match="safetensors|no tensors"):
        save_upload_weights(cases[case][0], folder=root / "uploads")
    assert not (root / "uploads").exists() or not any((root / "uploads").iterdir())


def test_bad_weights_leave_the_stored_run_untouched(home, cases, tmp_path, capsys):
    root, run_id = home
    before = stored_state(root, run_id)
    for case, (data, _) in cases.items():
        path = tmp_path / f"{case}.safetensors"
        path.write_bytes(data)
        _train_from(path, capsys)
    assert stored_state(root, run_id) == before
    assert [r.id for r in RunStore(root).list_runs()] == [run_id]


def test_train_page_refuses_each_bad_weights_upload(home, cases):
    """The UI: Train → Start from → a file; each bad file gets its message, nothing can start."""
    import streamlit as st

    from tests.app.conftest import open_page, texts

    root, run_id = home
    before = stored_state(root, run_id)
    st.cache_resource.clear()
    try:
        at = open_page("pages/train.py")
        pick = {w.label: w for w in at.selectbox}
        pick["Model"].select("seed-cnn").run()
        next(w for w in at.selectbox if w.label == "Start from").select_index(2).run()
        for case in UPLOAD_CHECKED:
            data, _ = cases[case]
            up = next(w for w in at.file_uploader if w.label.startswith("Weights"))
            up.upload(f"{case}.safetensors", data, "application/octet-stream").run()
            assert not at.exception, (case, at.exception)
            words = "no tensors" if case == "no-tensors" else "not in safetensors format"
            assert words in texts(at), case
            assert next(b for b in at.button if b.label == "Start training").disabled
    finally:
        st.cache_resource.clear()
    assert stored_state(root, run_id) == before
