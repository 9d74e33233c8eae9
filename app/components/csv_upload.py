"""The CSV upload form: format detection with overrides, preview, target and task."""

import streamlit as st

from app.components.state import set_data_choice, upload_folder
from app.i18n import t
from lepton_core.data.uploads import MAX_UPLOAD_BYTES
from lepton_core.errors import LabInputError

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}  # -> csv_upload.delimiters
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "latin-1"]
TASKS = ["tabular-classification", "tabular-regression"]


def delimiter_name(delimiter: str) -> str:
    """A delimiter as the user reads it ("semicolon ;")."""
    return t(f"csv_upload.delimiters.{DELIMITERS[delimiter]}")


def _pick(label: str, options: list, detected, **kw):
    index = options.index(detected) if detected in options else 0
    return st.selectbox(label, options, index=index, **kw)


def csv_upload_form() -> None:
    """Upload, detect, preview and configure a CSV; stores the choice for the other pages."""
    from lepton_core.data.csv_reader import CsvFormat, read_csv, sniff_csv
    from lepton_core.data.uploads import save_upload_csv

    up = st.file_uploader(
        t("csv_upload.file"), type=["csv", "tsv", "txt"], key="csv_upload",
        max_upload_size=MAX_UPLOAD_BYTES // 2**20,  # the browser refuses more; checked again
    )  # fmt: skip
    if up is None:
        return
    try:
        data = up.getvalue()
        path = save_upload_csv(data, folder=upload_folder(data))
        fmt = sniff_csv(data)
    except LabInputError as e:
        st.error(t("csv_upload.refused", error=e))
        return
    c1, c2, c3 = st.columns(3)
    encoding = c1.selectbox(
        t("csv_upload.encoding"), list(dict.fromkeys([fmt.encoding, *ENCODINGS]))
    )
    names = {d: delimiter_name(d) for d in DELIMITERS}  # in this session's language, now
    with c2:
        delimiter = _pick(
            t("csv_upload.delimiter"), list(DELIMITERS), fmt.delimiter, format_func=names.get
        )
    with c3:
        decimal = _pick(t("csv_upload.decimal"), [".", ","], fmt.decimal)
    try:
        df, fmt = read_csv(data, CsvFormat(encoding, delimiter, decimal))
    except LabInputError as e:
        st.error(t("csv_upload.unreadable", error=e))
        return
    st.caption(
        t(
            "csv_upload.detected",
            encoding=fmt.encoding,
            delimiter=delimiter_name(fmt.delimiter),
            decimal=fmt.decimal,
        )
    )
    st.dataframe(df.head(8), hide_index=True)
    columns = [str(c) for c in df.columns]
    kinds = {"table": t("csv_upload.kind_table"), "series": t("csv_upload.kind_series")}
    kind = st.radio(  # values stay the same in every language: a switch keeps the choice
        t("csv_upload.kind"), list(kinds), horizontal=True, key="csv_kind", format_func=kinds.get
    )
    target = st.selectbox(t("csv_upload.target"), columns, index=len(columns) - 1)
    options = {"target": target} | fmt.to_dict()
    if kind != "series":
        infer = t("csv_upload.infer_task")
        task = st.selectbox(
            t("csv_upload.task"), [None, *TASKS], format_func=lambda v: infer if v is None else v
        )
        if task is not None:
            options["task"] = task
    else:
        c1, c2, c3, c4 = st.columns(4)
        find = t("csv_upload.find_date")
        date_col = c1.selectbox(
            t("csv_upload.date_column"), [None, *columns],
            format_func=lambda v: find if v is None else v,
        )  # fmt: skip
        options |= {
            "task": "forecasting",
            "lookback": int(c2.number_input(t("csv_upload.lookback"), 2, 500, 24)),
            "horizon": int(c3.number_input(t("csv_upload.horizon"), 1, 100, 1)),
        }
        season = int(c4.number_input(t("csv_upload.season"), 0, 1000, 0))
        if season:
            options["season_length"] = season
        if date_col is not None:
            options["date_column"] = date_col
    set_data_choice(str(path), options, up.name)
