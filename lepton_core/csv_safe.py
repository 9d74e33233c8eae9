"""CSV downloads that a spreadsheet opens as text: cells that would start a formula are escaped.

OWASP "CSV injection": a cell beginning with =, +, -, @, tab or carriage return is prefixed
with a single quote. Numbers stay numbers (-1.5 is written as -1.5).
"""

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """The value, with a leading ' when it is text a spreadsheet would run as a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value if value.strip() == value else "'" + value  # "-1.5" is a number, "\t1" is not


def safe_csv(df: pd.DataFrame, **to_csv: object) -> str:
    """DataFrame.to_csv text (index=False unless given) with formula cells and names escaped."""
    escaped = df.map(escape_cell) if len(df.columns) else df.copy()
    escaped.columns = [escape_cell(c) for c in df.columns]
    return escaped.to_csv(**({"index": False} | to_csv))
