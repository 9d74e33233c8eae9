"""Instructor presets: parsing the TOML file, validation messages, the empty preset."""

import os
from pathlib import Path

import pytest

from lepton_core.errors import LabInputError
from lepton_core.preset import Preset, active_preset, load_preset

WORKSHOP = Path(__file__).resolve().parents[2] / "assets" / "workshop.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "preset.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_workshop_example_parses():
    p = load_preset(WORKSHOP)
    assert p.datasets == ("digits", "shapes")
    assert p.defaults == {"model": "seed-cnn", "epochs": 3}
    assert p.locked == {"model"}
    assert p.hidden_pages == {"pages/generate.py", "pages/deploy.py"}
    assert not p.shows("upload") and p.shows("epochs") and p.shows("pages/train.py")
    assert p.offers("shapes") and not p.offers("wine")
    assert p.limits == {"max_epochs": 5, "max_wall_minutes": 10, "max_dataset_mb": 500}
    assert "workshop" in p.welcome


def test_check_enforces_locks_and_limits():
    p = load_preset(WORKSHOP)
    p.check("seed-cnn", {"epochs": 5, "batch_size": 64})
    with pytest.raises(LabInputError, match="model is set by your instructor"):
        p.check("cnn", {"epochs": 3})
    with pytest.raises(LabInputError, match="epochs is at most 5"):
        p.check("seed-cnn", {"epochs": 6})


def test_short_page_names_and_empty_file(tmp_path):
    p = load_preset(write(tmp_path, 'hidden_pages = ["runs"]\n'))
    assert p.hidden_pages == {"pages/runs.py"}
    empty = load_preset(write(tmp_path, ""))
    assert empty.offers("wine") and empty.shows("upload") and not empty.welcome
    empty.check("cnn", {"epochs": 999, "batch_size": 4096})


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("colour = 1", "colour: unknown key"),
        ('datasets = ["digits", "mnist"]', "datasets: unknown mnist"),
        ('hidden_pages = ["pages/home.py"]', "hidden_pages: unknown pages/home.py"),
        ('hidden_controls = ["dropout"]', "hidden_controls: unknown dropout"),
        ("[defaults]\nmomentum = 0.9", "defaults.momentum: unknown setting"),
        ('[defaults]\nmodel = "resnet"', "defaults.model: must be one of"),
        ('[defaults]\nepochs = "3"', "defaults.epochs: wrong type str"),
        ("[defaults]\nepochs = 0", "defaults: epochs must be between 1 and 1000"),
        ("[defaults]\nlr = -1.0", "defaults: learning rate must be > 0"),
        ('locked = ["optimizer"]', "locked: optimizer needs a value in [defaults]"),
        ("[limits]\nmax_epochs = 0", "limits.max_epochs: must be a whole number"),
        ("[limits]\nmax_gpus = 1", "limits.max_gpus: unknown limit"),
        ("[defaults]\nepochs = 9\n[limits]\nmax_epochs = 5", "defaults.epochs: above limits"),
        ("welcome = 3", "welcome: must be text"),
        ("datasets = [", "not valid TOML"),
    ],
)
def test_bad_presets_name_the_key_and_file(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(LabInputError) as err:
        load_preset(path)
    assert needle in str(err.value) and str(path) in str(err.value)


def test_active_preset_follows_env_and_mtime(tmp_path, monkeypatch):
    monkeypatch.delenv("LEPTON_PRESET", raising=False)
    assert active_preset() == Preset()
    path = write(tmp_path, 'datasets = ["wine"]\n')
    monkeypatch.setenv("LEPTON_PRESET", str(path))
    assert active_preset().datasets == ("wine",)
    path.write_text('datasets = ["digits"]\nwelcome = "hi"\n', encoding="utf-8")
    os.utime(path, ns=(1, 10**18))  # a new mtime, whatever the clock's resolution
    assert active_preset().datasets == ("digits",)
    monkeypatch.setenv("LEPTON_PRESET", str(tmp_path / "missing.toml"))
    with pytest.raises(LabInputError, match="file not found"):
        active_preset()
