"""Evaluate, for a fine-tuned run: what it started from, and it beside its from-scratch twin."""

import plotly.graph_objects as go
import streamlit as st

from app.components.charts import LAYOUT
from app.components.state import store
from lepton_core.finetune_compare import comparison

LABELS = {"test_accuracy": "Test accuracy", "test_mae": "Test MAE", "test_recon_sse": "Test error"}


def _started_from(init: dict) -> str:
    fresh = init["tensors_reinitialised"]
    bits = [f"Started from **{init['source']}**: {init['tensors_copied']} tensors copied"]
    if init["tensors_adapted"]:
        bits.append(f"{len(init['tensors_adapted'])} adapted (RGB filters summed for gray input)")
    if fresh:
        names = ", ".join(k.removeprefix("net.") for k in fresh)
        bits.append(f"output layer re-initialised ({names})")
    frozen = init["frozen_backbone"]
    bits.append(
        f"backbone {'frozen' if frozen else 'trained too'}: "
        f"{init['trainable_parameters']:,} trainable parameters"
    )
    return "; ".join(bits) + "."


def _curves(rows: list[dict]) -> go.Figure:
    """Validation accuracy (or loss) per epoch of each run."""
    key = "val_accuracy" if "val_accuracy" in rows[0]["history"][0] else "val_loss"
    fig = go.Figure()
    for row in rows:
        hist = row["history"]
        fig.add_trace(
            go.Scatter(
                x=[h["epoch"] for h in hist], y=[h.get(key) for h in hist],
                name=row["label"], mode="lines+markers",
            )
        )  # fmt: skip
    title = "Validation accuracy" if key == "val_accuracy" else "Validation loss"
    fig.update_layout(title=title, xaxis_title="epoch", **LAYOUT)
    return fig


def show_finetune(run_id: str) -> None:
    """Nothing for a run from random weights; else its start and the side-by-side."""
    rows = comparison(store(), run_id)
    if rows:
        with st.container(border=True):
            _show(rows, run_id)


def _show(rows: list[dict], run_id: str) -> None:
    st.subheader("Fine-tuning")
    st.caption(_started_from(rows[0]["init"]))
    if len(rows) == 1:
        st.info(
            "No run with the same settings from random weights yet. On the Train page, tick "
            "“Also train from scratch to compare” to see what starting from these weights gained."
        )
        return
    key = rows[0]["headline"]
    tuned, scratch = (row["metrics"].get(key) for row in rows)
    better = "normal" if key == "test_accuracy" else "inverse"  # errors: lower is better
    pairs = zip(st.columns(2), rows, (tuned, scratch), (scratch, tuned), strict=True)
    for col, row, mine, other in pairs:
        label = f"{LABELS.get(key, key)}, {row['label']}"
        if mine is None:
            col.metric(label, row["status"])
        else:
            delta = None if other is None else f"{mine - other:+.3f}"
            col.metric(label, f"{mine:.3f}", delta, delta_color=better)
    if all(row["history"] for row in rows):
        st.plotly_chart(_curves(rows), key=f"finetune-{run_id}")
    st.caption(
        f"Both runs: same data, split, model, seed and {len(rows[0]['history'])} epochs; "
        f"the from-scratch run is {rows[1]['run_id']}."
    )
