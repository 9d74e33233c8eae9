"""Evaluate, for a fine-tuned run: what it started from, and it beside its from-scratch twin."""

import plotly.graph_objects as go
import streamlit as st

from app.components.charts import LAYOUT
from app.components.state import store
from app.i18n import t
from lepton_core.finetune_compare import comparison

METRICS = ("test_accuracy", "test_mae", "test_recon_sse")  # finetune_view.metric.<key>
RUN_LABELS = {"fine-tuned": "fine-tuned", "from scratch": "from-scratch"}  # finetune_view.run.<v>


def _metric_label(key: str) -> str:
    return t(f"finetune_view.metric.{key}") if key in METRICS else key


def _run_label(label: str) -> str:
    return t(f"finetune_view.run.{RUN_LABELS[label]}") if label in RUN_LABELS else label


def _started_from(init: dict) -> str:
    fresh = init["tensors_reinitialised"]
    source, copied = init["source"], init["tensors_copied"]
    bits = [t("finetune_view.started_from", source=source, copied=copied)]
    if init["tensors_adapted"]:
        bits.append(t("finetune_view.adapted", n=len(init["tensors_adapted"])))
    if fresh:
        names = ", ".join(k.removeprefix("net.") for k in fresh)
        bits.append(t("finetune_view.reinitialised", names=names))
    backbone = "backbone_frozen" if init["frozen_backbone"] else "backbone_trained"
    bits.append(t(f"finetune_view.{backbone}", n=init["trainable_parameters"]))
    return t("finetune_view.sentence", parts=t("finetune_view.separator").join(bits))


def _curves(rows: list[dict]) -> go.Figure:
    """Validation accuracy (or loss) per epoch of each run."""
    key = "val_accuracy" if "val_accuracy" in rows[0]["history"][0] else "val_loss"
    fig = go.Figure()
    for row in rows:
        hist = row["history"]
        fig.add_trace(
            go.Scatter(
                x=[h["epoch"] for h in hist], y=[h.get(key) for h in hist],
                name=_run_label(row["label"]), mode="lines+markers",
            )
        )  # fmt: skip
    fig.update_layout(
        title=t(f"finetune_view.{key}"), xaxis_title=t("finetune_view.epoch"), **LAYOUT
    )
    return fig


def show_finetune(run_id: str) -> None:
    """Nothing for a run from random weights; else its start and the side-by-side."""
    rows = comparison(store(), run_id)
    if rows:
        with st.container(border=True):
            _show(rows, run_id)


def _show(rows: list[dict], run_id: str) -> None:
    st.subheader(t("finetune_view.title"))
    st.caption(_started_from(rows[0]["init"]))
    if len(rows) == 1:
        st.info(t("finetune_view.no_scratch"))
        return
    key = rows[0]["headline"]
    tuned, scratch = (row["metrics"].get(key) for row in rows)
    better = "normal" if key == "test_accuracy" else "inverse"  # errors: lower is better
    pairs = zip(st.columns(2), rows, (tuned, scratch), (scratch, tuned), strict=True)
    for col, row, mine, other in pairs:
        label = t(
            "finetune_view.metric_label", metric=_metric_label(key), run=_run_label(row["label"])
        )
        if mine is None:
            col.metric(label, row["status"])
        else:
            delta = None if other is None else f"{mine - other:+.3f}"
            col.metric(label, f"{mine:.3f}", delta, delta_color=better)
    if all(row["history"] for row in rows):
        st.plotly_chart(_curves(rows), key=f"finetune-{run_id}")
    epochs, twin = len(rows[0]["history"]), rows[1]["run_id"]
    st.caption(t("finetune_view.both_runs", epochs=epochs, run_id=twin))
