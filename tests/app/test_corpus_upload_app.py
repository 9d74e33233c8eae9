"""The Data page with the malformed-upload corpus (tests/data/bad_archives.py, bad_images.py):
each bad zip gets one clear st.error, a bad image in a good zip is listed with its reason, the
page never raises, and a run stored before is untouched."""

import hashlib

from lepton_core.api import list_runs, train
from tests.app.conftest import open_page
from tests.data.bad_archives import ARCHIVE_CASES, oversized_zip
from tests.data.bad_images import IMAGE_CASES, zip_of_only, zip_with
from tests.data.corpus import file_hashes

ZIP_KIND = "Upload a .zip of class folders"


def _hashes(home) -> dict[str, str]:
    """SHA-256 of the database and every file of the stored runs."""
    db = hashlib.sha256((home / "lepton.db").read_bytes()).hexdigest()
    return file_hashes(home / "runs") | {"lepton.db": db}


def _upload(at, name: str, data: bytes) -> str:
    """Upload one zip on the Data page; return the page's error texts."""
    at.file_uploader[0].upload(name, data, "application/zip").run()
    assert not at.exception, at.exception
    return "\n".join(e.value for e in at.error)


def test_bad_archives_and_an_oversized_upload_get_one_clear_error(home, tmp_path):
    run = train("digits", model="seed-cnn", epochs=1, seed=0)
    before = _hashes(home)
    at = open_page("pages/data.py")
    at.radio[0].set_value(ZIP_KIND).run()
    for case, (make, words) in ARCHIVE_CASES.items():
        errors = _upload(at, f"{case}.zip", make())
        assert len(at.error) == 1 and words in errors, (case, errors)
        assert errors.startswith("Could not use this data:")
    big = oversized_zip(tmp_path / "big.zip").read_bytes()
    errors = _upload(at, "big.zip", big)
    assert "Upload refused: upload is 211 MB; the limit is 210 MB" in errors
    del big
    assert _hashes(home) == before and [r.id for r in list_runs()] == [run.id]


def test_bad_images_are_listed_or_refused(home):
    at = open_page("pages/data.py")
    at.radio[0].set_value(ZIP_KIND).run()
    for case, (make, words) in IMAGE_CASES.items():
        assert _upload(at, "mixed.zip", zip_with(f"{case}.png", make())) == "", case
        skipped = at.dataframe[0].value
        assert list(skipped.iloc[:, 0]) == [f"red/{case}.png"], case
        assert words in skipped.iloc[0, 1], (case, skipped.iloc[0, 1])
        errors = _upload(at, "bad.zip", zip_of_only(f"{case}.png", make()))
        assert len(at.error) == 1 and "no readable images" in errors and words in errors, case
