"""Malformed zip uploads (tests/data/bad_archives.py) through the `lepton train` CLI, a fuzzed
zip reader, and a run stored before that must come out untouched."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lepton_core.data.archive import IngestLimits, extract_zip
from lepton_core.data.folder import load_image_source
from lepton_core.data.report import DataReport
from lepton_core.errors import LabInputError
from tests.data.bad_archives import ARCHIVE_CASES, good_images, make_zip, oversized_zip
from tests.data.corpus import file_hashes, refused


def assert_refused(capsys, data: Path, words: str) -> None:
    """`lepton train --data DATA` in-process: refused in one line naming the problem."""
    argv = ["train", "--data", str(data), "--model", "seed-cnn", "--epochs", "1", "--json"]
    line, _ = refused(argv, capsys)
    assert words in line, line


def snapshot(home: Path) -> dict[str, str]:
    """SHA-256 of every file under LEPTON_HOME's runs/ and of the database."""
    db = hashlib.sha256((home / "lepton.db").read_bytes()).hexdigest()
    return file_hashes(home / "runs", home) | {"lepton.db": db}


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A run trained before the bad uploads: (home, run id, files' hashes, its record)."""
    home = tmp_path_factory.mktemp("corpus_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        from lepton_core.api import load_run, train

        run = train("digits", model="seed-cnn", epochs=1, seed=0)
        yield home, run.id, snapshot(home), load_run(run.id).record


@pytest.fixture
def home(stored, monkeypatch) -> Path:
    monkeypatch.setenv("LEPTON_HOME", str(stored[0]))
    return stored[0]


@pytest.mark.parametrize("case", list(ARCHIVE_CASES))
def test_cli_refuses_each_bad_archive_in_one_line(home, capsys, tmp_path, case):
    make, words = ARCHIVE_CASES[case]
    path = tmp_path / f"{case}.zip"
    path.write_bytes(make())
    assert_refused(capsys, path, words)


def test_cli_refuses_an_oversized_zip_before_reading_it(home, capsys, tmp_path):
    path = oversized_zip(tmp_path / "big.zip")
    before = sorted(home.rglob("*"))
    assert_refused(capsys, path, "big.zip is 211 MB; the limit is 210 MB")
    assert sorted(home.rglob("*")) == before  # nothing extracted, nothing stored


@pytest.mark.parametrize("case", ["zip_slip", "absolute_paths", "symlinks", "nested_zips"])
def test_bad_entries_in_a_good_zip_are_skipped_and_listed(tmp_path, case):
    make, words = ARCHIVE_CASES[case]
    with zipfile.ZipFile(io.BytesIO(make())) as zf:
        bad = [(i.filename, zf.read(i)) for i in zf.infolist()]
    mixed = zipfile.ZipFile(io.BytesIO(make()))  # keep each entry's attributes (symlinks)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out, mixed:
        for name, data in good_images().items():
            out.writestr(name, data)
        for info in mixed.infolist():
            out.writestr(info, mixed.read(info))
    path = tmp_path / "mixed.zip"
    path.write_bytes(buf.getvalue())
    x, y, classes, report = load_image_source(path, work_dir=tmp_path / "work")
    assert classes == ["blue", "red"] and len(x) == 6
    assert {name for name, _ in report.skipped} == {name for name, _ in bad}
    assert all(words in reason for _, reason in report.skipped), report.skipped
    assert not list((tmp_path / "work").rglob("evil*")) and not (tmp_path / "x").exists()


def test_stored_run_is_untouched(stored, home, capsys, tmp_path):
    for case, (make, _) in ARCHIVE_CASES.items():  # every case again, after all of the above
        (tmp_path / f"{case}.zip").write_bytes(make())
        assert_refused(capsys, tmp_path / f"{case}.zip", "")
    _, run_id, before, record = stored
    from lepton_core.api import list_runs, load_run

    assert snapshot(home) == before
    assert [r.id for r in list_runs()] == [run_id]
    assert load_run(run_id).record == record


# ---- fuzzing the zip reader: any bytes, and any entry names, give a result or LabInputError

NAMES = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                HealthCheck.function_scoped_fixture])  # fmt: skip
LIMITS = IngestLimits(max_entries=50, max_total_bytes=20_000, max_entry_bytes=5_000)


GOOD = make_zip(good_images(1))


@FUZZ
@given(data=st.binary(max_size=500), flips=st.lists(st.integers(0, len(GOOD) - 1), max_size=4),
       cut=st.integers(0, len(GOOD)), raw=st.booleans())  # fmt: skip
def test_fuzz_damaged_and_random_bytes(tmp_path_factory, data, flips, cut, raw):
    blob = bytearray(GOOD)
    for i in flips:  # flip bytes anywhere: headers, sizes, names, compressed data
        blob[i] ^= 0xFF
    blob = data if raw else bytes(blob[: cut or None]) + data
    path = tmp_path_factory.mktemp("fz") / "f.zip"
    path.write_bytes(blob)
    try:
        extract_zip(path, path.parent / "out", LIMITS, DataReport(source="f"))
    except LabInputError:
        pass
    assert not any(p.is_symlink() for p in path.parent.rglob("*"))


@pytest.mark.filterwarnings("ignore:Duplicate name")
@FUZZ
@given(names=st.lists(NAMES, min_size=1, max_size=6))
@example(names=["."])  # found by this test: an entry named "." crashed the reader (IndexError)
def test_fuzz_entry_names_never_escape(tmp_path_factory, names):
    base = tmp_path_factory.mktemp("fz")
    path = base / "up" / "f.zip"
    path.parent.mkdir()
    path.write_bytes(make_zip([(n, b"abc") for n in names]))
    dest = base / "up" / "out"
    report = DataReport(source="f")
    try:
        root = extract_zip(path, dest, LIMITS, report)
    except LabInputError:
        return
    assert root.resolve().is_relative_to(dest.resolve())
    written = [p for p in base.rglob("*") if p.is_file() and p != path]
    assert all(p.resolve().is_relative_to(dest.resolve()) for p in written)
    assert len(written) + len(report.skipped) <= len(names)
