"""Malformed images (tests/data/bad_images.py): one bad file in a good zip is skipped with its
reason; a zip of nothing but bad files is refused by `lepton train` in one line."""

import numpy as np
import pytest

from lepton_core.data.folder import load_image_source
from lepton_core.data.images import decode_image, flatten
from tests.data.bad_images import ACCEPTED_CASES, IMAGE_CASES, zip_of_only, zip_with
from tests.data.corpus import refused


@pytest.fixture
def home(lepton_home):
    return lepton_home


@pytest.mark.parametrize("case", list(IMAGE_CASES))
def test_one_bad_image_in_a_good_zip_is_skipped_with_its_reason(tmp_path, case):
    make, words = IMAGE_CASES[case]
    path = tmp_path / "mixed.zip"
    path.write_bytes(zip_with(f"{case}.png", make()))
    x, _, classes, report = load_image_source(path, work_dir=tmp_path / "work")
    assert classes == ["blue", "red"] and len(x) == 6
    assert len(report.skipped) == 1, report.skipped
    name, reason = report.skipped[0]
    assert name == f"red/{case}.png" and words in reason


@pytest.mark.parametrize("case", list(IMAGE_CASES))
def test_cli_refuses_a_zip_of_only_bad_images(home, capsys, tmp_path, case):
    make, words = IMAGE_CASES[case]
    path = tmp_path / f"{case}.zip"
    path.write_bytes(zip_of_only(f"{case}.png", make()))
    argv = ["train", "--data", str(path), "--model", "seed-cnn", "--epochs", "1", "--json"]
    line, _ = refused(argv, capsys)
    assert "no readable images; 4 file(s) skipped" in line and words in line
    assert not (home / "runs").exists() or not any((home / "runs").iterdir())


@pytest.mark.parametrize("case", list(ACCEPTED_CASES))
def test_odd_but_valid_images_are_read(tmp_path, case):
    make, colour = ACCEPTED_CASES[case]
    rgb = np.asarray(flatten(decode_image(make())).convert("RGB"), dtype=int)
    assert np.abs(rgb - colour).max() < 40  # first GIF frame; CMYK converted, not inverted
    path = tmp_path / "ok.zip"
    path.write_bytes(zip_with(f"{case}.img", make()))
    x, _, _, report = load_image_source(path, work_dir=tmp_path / "work")
    assert len(x) == 7 and report.skipped == []
