"""An instructor preset (assets/workshop.toml) locks, hides and limits the app's controls."""

from pathlib import Path

import pytest

from lepton_core.preset import ENV
from tests.app.conftest import open_page, texts

WORKSHOP = str(Path(__file__).resolve().parents[2] / "assets" / "workshop.toml")


@pytest.fixture
def workshop(home, monkeypatch):
    """The example workshop preset is active."""
    monkeypatch.setenv(ENV, WORKSHOP)
    return home


def _by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_train_form_locks_model_and_caps_epochs(workshop):
    at = open_page("pages/train.py")
    model = _by_label(at.selectbox, "Model")
    assert model.disabled and model.value == "seed-cnn"
    assert "set by your instructor" in texts(at)
    epochs = _by_label(at.number_input, "Epochs")
    assert epochs.value == 3 and not epochs.disabled and epochs.max == 5
    assert "at most 5" in epochs.help
    assert not _offers_weights_upload(at)  # hidden with the other uploads


def _offers_weights_upload(at) -> bool:
    return any("safetensors" in o for o in _by_label(at.selectbox, "Start from").options)


def test_hidden_and_locked_training_controls(home, tmp_path, monkeypatch):
    preset = tmp_path / "p.toml"
    preset.write_text(
        'hidden_controls = ["optimizer", "schedule"]\nlocked = ["lr"]\n[defaults]\nlr = 0.001\n'
    )
    monkeypatch.setenv(ENV, str(preset))
    at = open_page("pages/train.py")
    labels = {w.label for w in at.selectbox}
    assert "Optimizer" not in labels and "LR schedule" not in labels and "Model" in labels
    lr = _by_label(at.select_slider, "Learning rate")
    assert lr.disabled and lr.value == 1e-3
    assert not _by_label(at.selectbox, "Model").disabled


def test_data_page_offers_only_preset_datasets_and_no_upload(workshop):
    at = open_page("pages/data.py")
    assert not at.radio and not at.file_uploader
    assert [o.split(" — ")[0] for o in at.selectbox[0].options] == ["digits", "shapes"]


def test_home_shows_welcome_and_hides_pages(workshop):
    at = open_page("pages/home.py")
    assert "Welcome to today's workshop" in texts(at)
    links = [link.label for link in at.get("page_link")]
    assert "1 · Data" in links and "5 · Generate" not in links and "6 · Deploy" not in links


def test_without_preset_everything_is_offered(home, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    at = open_page("pages/train.py")
    model = _by_label(at.selectbox, "Model")
    assert not model.disabled and model.value == "cnn"
    assert _by_label(at.number_input, "Epochs").max == 200
    assert "set by your instructor" not in texts(at)
    assert _offers_weights_upload(at)
