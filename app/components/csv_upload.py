"""The CSV upload form: format detection with overrides, preview, target and task."""

import streamlit as st

from app.components.state import set_data_choice
from lepton_core.errors import LabInputError

DELIMITERS = {",": "comma ,", ";": "semicolon ;", "\t": "tab", "|": "pipe |"}
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "latin-1"]
TABLE, SERIES = "a table: one row per example", "a time series: one row per point in time"


def _pick(label: str, options: list, detected, **kw):
    index = options.index(detected) if detected in options else 0
    return st.selectbox(label, options, index=index, **kw)


def csv_upload_form() -> None:
    """Upload, detect, preview and configure a CSV; stores the choice for the other pages."""
    from lepton_core.data.csv_reader import CsvFormat, read_csv, sniff_csv
    from lepton_core.data.uploads import save_upload_csv

    up = st.file_uploader("CSV file", type=["csv", "tsv", "txt"], key="csv_upload")
    if up is None:
        return
    try:
        data = up.getvalue()
        path = save_upload_csv(data)
        fmt = sniff_csv(data)
    except LabInputError as e:
        st.error(f"Upload refused: {e}")
        return
    c1, c2, c3 = st.columns(3)
    encoding = c1.selectbox("Encoding", list(dict.fromkeys([fmt.encoding, *ENCODINGS])))
    with c2:
        delimiter = _pick("Delimiter", list(DELIMITERS), fmt.delimiter, format_func=DELIMITERS.get)
    with c3:
        decimal = _pick("Decimal mark", [".", ","], fmt.decimal)
    try:
        df, fmt = read_csv(data, CsvFormat(encoding, delimiter, decimal))
    except LabInputError as e:
        st.error(f"Could not read the file: {e}")
        return
    st.caption(f"Detected: {fmt.encoding}, delimiter {DELIMITERS[fmt.delimiter]}, decimal "
               f"'{fmt.decimal}'. Preview of the first rows:")  # fmt: skip
    st.dataframe(df.head(8), hide_index=True)
    columns = [str(c) for c in df.columns]
    kind = st.radio("This file is", [TABLE, SERIES], horizontal=True, key="csv_kind")
    target = st.selectbox("Target column: what the model should predict", columns,
                          index=len(columns) - 1)  # fmt: skip
    options = {"target": target} | fmt.to_dict()
    if kind == TABLE:
        task = st.selectbox("Task", ["infer from the target", "tabular-classification",
                                     "tabular-regression"])  # fmt: skip
        if task != "infer from the target":
            options["task"] = task
    else:
        c1, c2, c3, c4 = st.columns(4)
        date_col = c1.selectbox("Date/time column", ["find it", *columns])
        options |= {
            "task": "forecasting",
            "lookback": int(c2.number_input("Lookback (steps seen)", 2, 500, 24)),
            "horizon": int(c3.number_input("Horizon (steps predicted)", 1, 100, 1)),
        }
        season = int(c4.number_input("Season length (0 = none)", 0, 1000, 0))
        if season:
            options["season_length"] = season
        if date_col != "find it":
            options["date_column"] = date_col
    set_data_choice(str(path), options, up.name)
