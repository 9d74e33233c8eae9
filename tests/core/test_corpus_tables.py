"""Malformed-input corpus, tables: each bad CSV is refused by `lepton train` with one clear line
(exit 2), a stored run is left as it was, and the CSV reader survives fuzzing."""

import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lepton_core.api import train
from lepton_core.data.csv_reader import CsvLimits, read_csv
from lepton_core.errors import LabInputError
from lepton_core.runs import RunStore
from tests.data.bad_tables import CASES, GOOD, stored_state
from tests.data.corpus import refused


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A LEPTON_HOME holding one finished run, for the whole module."""
    home = tmp_path_factory.mktemp("corpus_tables")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        run = train("breast-cancer", model="mlp", epochs=1, store=RunStore(home))
        yield home, run.id


def _refused(argv: list[str], capsys) -> str:
    line, out = refused(argv, capsys)
    assert out == ""
    return line


@pytest.mark.parametrize("case", list(CASES))
def test_bad_csv_is_refused_with_one_line(home, case, tmp_path, capsys):
    make, words = CASES[case]
    path = tmp_path / f"{case}.csv"
    path.write_bytes(make())
    line = _refused(["train", "--data", str(path), "--model", "mlp", "--epochs", "1"], capsys)
    assert line.startswith("lepton: error: ") and words in line


def test_bad_csvs_leave_the_stored_run_untouched(home, tmp_path, capsys):
    root, run_id = home
    before = stored_state(root, run_id)
    for case, (make, _) in CASES.items():
        path = tmp_path / f"{case}.csv"
        path.write_bytes(make())
        _refused(["train", "--data", str(path), "--model", "mlp", "--epochs", "1"], capsys)
        with pytest.raises(LabInputError):
            read_csv(make())
    assert stored_state(root, run_id) == before
    assert [r.id for r in RunStore(root).list_runs()] == [run_id]  # no half-made run left behind


def test_the_good_table_the_cases_start_from_reads(home):
    df, fmt = read_csv(GOOD.encode())
    assert df.shape == (40, 3) and fmt.delimiter == ","


FUZZ = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
LIMITS = CsvLimits(max_bytes=20_000, max_rows=50, max_columns=20)


@FUZZ
@given(st.binary(max_size=600))
def test_fuzz_any_bytes_give_a_table_or_a_clear_error(data: bytes):
    try:
        df, _ = read_csv(data, limits=LIMITS)
    except LabInputError as e:
        assert str(e) and "\n" not in str(e)
    else:
        assert isinstance(df, pd.DataFrame) and len(df) >= 1 and len(df.columns) >= 1


CELL = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.text(string.ascii_letters + " \"';,|\t=-+@", max_size=8),
    st.sampled_from(["", "NA", "?", "inf", "-inf", "1e999", '"a,b"', '"x\ny"']),
)


@FUZZ
@given(
    st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=12),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]),
)
def test_fuzz_delimited_text_parses_or_is_refused(rows, delimiter, encoding):
    text = "\n".join(delimiter.join(r) for r in rows)
    try:
        df, _ = read_csv(text.encode(encoding, errors="replace"), limits=LIMITS)
    except LabInputError as e:
        assert str(e) and "\n" not in str(e)
    else:
        assert len(df) <= LIMITS.max_rows
        assert len(set(df.columns)) == len(df.columns)  # repeated names were renamed
        for col in df.columns:
            values = df[col].to_numpy()
            if pd.api.types.is_float_dtype(df[col]):
                assert not (abs(values[~pd.isna(values)]) == float("inf")).any()


def test_cli_refuses_a_csv_it_cannot_parse_in_one_line(home, tmp_path: Path, capsys):
    path = tmp_path / "only_header.csv"
    path.write_text("a,b,c\n")
    line = _refused(["train", "--data", str(path), "--model", "mlp", "--epochs", "1"], capsys)
    assert "no rows" in line
