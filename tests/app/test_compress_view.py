"""AppTest of the Compress tab (app/components/compress_view.py) on a real 1-epoch seed-cnn run,
rendered through a tiny script so it does not depend on the Deploy page."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lepton_core.api import load_run, make_config, train
from lepton_core.runs import RunStore
from tests.app.conftest import texts


def _tab(home: str, run_id: str) -> None:
    from pathlib import Path

    from app.components.compress_view import show_compress
    from lepton_core.api import load_run
    from lepton_core.runs import RunStore

    show_compress(load_run(run_id, RunStore(Path(home))))


def _open(home: Path, run_id: str) -> AppTest:
    at = AppTest.from_function(_tab, args=(str(home), run_id), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def run_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("compress_view") / "home"
    return train("digits", model="seed-cnn", epochs=1, store=RunStore(home)), home


def test_compare_shows_table_charts_and_pruning_note_and_is_shown_again(run_home) -> None:
    run, home = run_home
    at = _open(home, run.id)
    assert "No comparison yet" in texts(at)
    next(s for s in at.slider if s.label.startswith("Pruning")).set_value(0.7)
    next(b for b in at.button if b.label == "Compress and compare").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["Variant"]) == ["Original (float32)", "Float32 ONNX",
                                      "Int8 ONNX (static)", "Pruned 70%"]  # fmt: skip
    int8 = table[table["Variant"] == "Int8 ONNX (static)"].iloc[0]
    assert int8["× original"] < 0.35 and int8["Test accuracy"] > 0.5
    assert len(at.get("plotly_chart")) == 2
    assert "About pruning" in texts(at) and "same size, same speed" in texts(at)
    assert (run.folder / "compressed" / "int8.onnx").is_file()
    again = _open(home, run.id)  # a new session shows the last comparison without recomputing
    assert list(again.dataframe[0].value["Variant"]) == list(table["Variant"])


def test_vae_gets_a_plain_message(run_home) -> None:
    _, home = run_home
    store = RunStore(home)
    vae = load_run(store.create_run(make_config("digits", model="vae")), store)
    at = _open(home, vae.id)
    assert "a VAE has neither" in texts(at) and not at.button
