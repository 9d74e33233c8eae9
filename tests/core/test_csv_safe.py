"""CSV downloads escape cells a spreadsheet would run as formulas; numbers stay numbers."""

import io

import pandas as pd
import pytest

from lepton_core.csv_safe import escape_cell, safe_csv


@pytest.mark.parametrize(
    "cell",
    ["=1+1", '=HYPERLINK("http://x","y")', "+A1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-"],
)
def test_formula_cells_get_a_leading_quote(cell: str) -> None:
    assert escape_cell(cell) == "'" + cell


@pytest.mark.parametrize("value", ["-1.5", "+3", "plain", "a=b", 3, -2.5, None])
def test_numbers_and_plain_text_are_unchanged(value: object) -> None:
    assert escape_cell(value) == value


def test_safe_csv_round_trips_numbers_and_escapes_text() -> None:
    df = pd.DataFrame({"=evil": ["=cmd|' /C calc'!A0", "ok"], "score": [-0.5, 1.25], "n": [-3, 4]})
    text = safe_csv(df)
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["'=evil", "score", "n"]
    assert back["'=evil"].tolist() == ["'=cmd|' /C calc'!A0", "ok"]
    assert back["score"].tolist() == [-0.5, 1.25] and back["n"].tolist() == [-3, 4]
    assert "Unnamed" not in text.splitlines()[0]  # no index column
    assert df.iloc[0, 0] == "=cmd|' /C calc'!A0"  # the caller's frame is not changed
