"""Comparing runs: overlaid learning curves, a metrics table, hyperparameters vs a metric."""

import plotly.graph_objects as go
import streamlit as st
from pandas.api.types import is_numeric_dtype

from app.components.charts import LAYOUT
from app.i18n import t
from lepton_core.runs.table import (
    curve_keys,
    curves_frame,
    hyperparams_frame,
    metrics_frame,
    numeric_metrics,
)


def curves_figure(frame, key: str) -> go.Figure:
    """One line per run of `key` per epoch."""
    fig = go.Figure()
    for run, part in frame.groupby("run", sort=False):
        fig.add_trace(go.Scatter(x=part["epoch"], y=part["value"], name=run, mode="lines+markers"))
    fig.update_layout(title=key.replace("_", " "), xaxis_title=t("runs_compare.epoch"), **LAYOUT)
    fig.update_layout(legend=dict(orientation="h", y=-0.3), margin=dict(b=70), height=340)
    fig.update_xaxes(dtick=1 if frame["epoch"].max() <= 20 else None)
    return fig


def parallel_figure(frame, metric: str) -> go.Figure:
    """Parallel coordinates: one axis per hyperparameter that varies, the metric last, colored."""
    dims = []
    for col in frame.columns:
        if col in ("run", metric):
            continue
        values = frame[col]
        if values.isna().all() or (values.nunique() <= 1 and len(frame) > 1):
            continue  # an axis every run shares says nothing
        if not is_numeric_dtype(values):  # text (model, optimizer): one tick per value
            codes = {v: i for i, v in enumerate(sorted(values.dropna().astype(str).unique()))}
            dims.append(dict(label=col, values=[codes.get(str(v), -1) for v in values],
                             tickvals=list(codes.values()), ticktext=list(codes)))  # fmt: skip
        else:
            dims.append(dict(label=col, values=values.astype(float).tolist()))
    score = frame[metric].astype(float)
    dims.append(dict(label=metric, values=score.tolist()))
    line = dict(color=score.tolist(), colorscale="Viridis", showscale=True)
    fig = go.Figure(go.Parcoords(line=line, dimensions=dims))
    fig.update_layout(margin=dict(l=60, r=40, t=60, b=20), height=340)
    return fig


def show_comparison(store, records: list) -> None:
    """Curves, metrics table and parallel coordinates for the chosen runs."""
    histories = {r.id: store.history(r.id) for r in records}
    keys = curve_keys(histories)
    left, right = st.columns(2)
    with left:
        if keys:
            key = st.selectbox(t("runs_compare.curve"), keys, key="runs_curve")
            frame = curves_frame(store, records, key)
            st.plotly_chart(curves_figure(frame, key), key="runs_curves_chart")
        else:
            st.info(t("runs_compare.no_epoch"))
    with right:
        table = metrics_frame(records)
        st.markdown(t("runs_compare.test_metrics"))
        if len(table.columns) > 1:
            st.dataframe(table, key="runs_metrics_table")
        else:
            st.info(t("runs_compare.no_metrics"))
    metrics = numeric_metrics(records)
    if not metrics:
        return
    metric = st.selectbox(t("runs_compare.color_by"), metrics, key="runs_parallel_metric")
    frame = hyperparams_frame(records, metric).dropna(subset=[metric])
    if len(frame) < 2:
        st.info(t("runs_compare.need_two", metric=metric))
        return
    st.markdown(t("runs_compare.parallel"))
    st.plotly_chart(parallel_figure(frame, metric), key="runs_parallel_chart")
