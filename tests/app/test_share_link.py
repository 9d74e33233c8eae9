"""A shared link (?data=...&model=...&epochs=...) opens the Train page with that setup."""

from streamlit.testing.v1 import AppTest

from lepton_core.preset import ENV
from tests.app.conftest import APP, texts
from tests.app.test_preset_app import WORKSHOP


def _open(params: dict, page: str = "pages/train.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(params)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_link_sets_the_form_and_the_share_control_shows_it(home):
    at = _open({"data": "shapes", "model": "cnn", "epochs": "3", "m.channels": "32"})
    assert "Data: **shapes**" in texts(at)
    assert _by_label(at.selectbox, "Model").value == "cnn"
    assert _by_label(at.number_input, "Epochs").value == 3
    assert _by_label(at.select_slider, "First-block channels").value == 32
    _by_label(at.select_slider, "Learning rate").set_value(1e-3).run()
    link = at.code[-1].value
    assert link.startswith("/train?data=shapes&model=cnn&")
    assert "m.channels=32" in link and "epochs=3" in link and "lr=0.001" in link
    at.switch_page("pages/data.py").run()  # the Data page follows the link's dataset
    assert not at.exception, at.exception
    assert _by_label(at.selectbox, "Dataset").value == "shapes"


def test_bad_link_warns_and_keeps_the_defaults(home):
    at = _open({"data": "digits", "model": "cnn", "epochs": "0"})
    assert len(at.warning) == 1 and "epochs" in at.warning[0].value
    assert _by_label(at.number_input, "Epochs").value == 15


def test_preset_locks_win_over_a_link(home, monkeypatch):
    monkeypatch.setenv(ENV, WORKSHOP)  # locks model = seed-cnn, at most 5 epochs
    at = _open({"data": "digits", "model": "cnn", "epochs": "4"})
    model = _by_label(at.selectbox, "Model")
    assert model.value == "seed-cnn" and model.disabled
    assert "The link's model is ignored" in texts(at)
    assert _by_label(at.number_input, "Epochs").value == 4
