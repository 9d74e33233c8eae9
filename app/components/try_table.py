"""Try a table model: a form with the original columns, built from the run's preprocessing."""

import datetime
import math

import pandas as pd
import streamlit as st

from app.components.charts import signed_bars
from app.components.try_it import method_choice, show_classes
from app.i18n import t
from lepton_core.errors import LabInputError

FORM_COLUMNS = 2


def _step(std: float) -> float:
    """A round step near a quarter of the column's spread (0.01 for 0.05, 100 for 400)."""
    return 10.0 ** math.floor(math.log10(std / 4)) if std > 0 else 1.0


def _default_date(spec: dict) -> datetime.date:
    """The median year and day of year of the training rows, as a date."""
    parts = spec["parts"]
    year = min(max(round(parts["year"]["median"]), 1), 9999)
    day = min(max(round(parts["day_of_year"]["median"]), 1), 365)
    return datetime.date(year, 1, 1) + datetime.timedelta(days=day - 1)


def _field(pre, col: str, key: str):
    """One input widget for original column `col`; returns its value as the CSV would hold it."""
    if col in pre.numeric:
        stats = pre.numeric[col]
        return st.number_input(
            col,
            value=float(f"{stats['median']:.6g}"),
            step=_step(stats["std"]),
            format="%g",
            key=key,
        )
    if col in pre.categorical:
        return st.selectbox(col, pre.categorical[col], key=key)
    spec = pre.dates[col]
    day = st.date_input(col, value=_default_date(spec), key=key, min_value=datetime.date(1, 1, 1))
    moment = datetime.datetime.combine(day, datetime.time())
    return moment.strftime(spec["format"]) if spec.get("format") else moment.isoformat()


def _form(run_id: str, pre) -> pd.DataFrame:
    """The form: one row with every column the model uses, starting at the training medians."""
    with st.form(f"try-form-{run_id}"):
        st.caption(t("try_table.form_caption"))
        slots = st.columns(FORM_COLUMNS)
        row = {}
        for i, col in enumerate(pre.groups):
            with slots[i % FORM_COLUMNS]:
                row[col] = _field(pre, col, f"try-col-{run_id}-{col}")
        st.form_submit_button(t("try_table.predict"), type="primary")
    return pd.DataFrame([row])


def try_table(run, p) -> None:
    """The form on the left; the prediction and which columns drove it on the right."""
    from lepton_core.data.tabular_preprocessor import TabularPreprocessor
    from lepton_core.explain.tabular import explain_rows

    pre = TabularPreprocessor.from_dict(p.preprocessing["preprocessing"])
    left, right = st.columns([3, 2], gap="large")
    with left:
        row = _form(run.id, pre)
    try:
        pred = p.predict(row)
    except LabInputError as e:
        right.error(t("try_table.cannot_use", error=e))
        return
    with right:
        if pred.probs is not None:
            show_classes(pred)
            pushed = t("try_table.pushed_class", label=pred.labels[0])
        else:
            value = f"{float(pred.values[0]):,.4g}"
            st.metric(t("try_table.predicted", target=pre.target), value)
            pushed = t("try_table.pushed_value", target=pre.target)
        method = method_choice(p.model, ("integrated-gradients",), "try-table-method")
        if method:
            values = explain_rows(p.model, pred.inputs, pre.groups, method)
            bars = {col: float(v[0]) for col, v in values.items()}
            st.plotly_chart(signed_bars(bars, t("try_table.drove")), key="try-table-bars")
            st.caption(pushed)
