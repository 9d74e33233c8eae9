"""The Deploy page's Compress tab: int8 and pruned variants of a run, measured side by side."""

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.components.charts import LAYOUT
from lepton_core.compress import compare_variants, compressed_folder, last_comparison
from lepton_core.errors import LabInputError

if TYPE_CHECKING:
    from lepton_core.runs import Run

METHODS = {"int8": "Int8 quantization", "prune": "Magnitude pruning"}
HONEST_PRUNING = (
    "**About pruning.** Pruned weights are zeros stored in the same dense tensors: the file is "
    "just as big and the model just as slow, because every zero is still stored and multiplied. "
    "What changes is the non-zero count (how much of the network the task needs) and the zipped "
    "size (zeros compress well). Speed-ups need sparse kernels or structured pruning."
)


def _score_column(rows: list[dict]) -> tuple[str, str]:
    return ("accuracy", "Test accuracy") if rows[0]["accuracy"] is not None else (
        "test_mae", "Test MAE (lower is better)"
    )  # fmt: skip


def _table(rows: list[dict]) -> pd.DataFrame:
    key, title = _score_column(rows)
    return pd.DataFrame([{
        "Variant": r["label"],
        "Runs on": r["runtime"],
        title: round(r[key], 4),  # the score first: it must not scroll out of sight
        "Size on disk (kB)": round(r["size_bytes"] / 1000, 1),
        "× original": round(r["size_vs_original"], 3),
        "Zipped (kB)": round(r["zipped_bytes"] / 1000, 1),
        "Non-zero weights": f"{r['nonzero']:,} of {r['weights']:,}",
        "Latency batch 1 (ms)": round(r["latency_ms_batch1"], 3),
        "Latency batch 64 (ms)": round(r["latency_ms_batch64"], 2),
        "Files": ", ".join(r["files"]),
    } for r in rows])  # fmt: skip


def _size_figure(rows: list[dict]) -> go.Figure:
    key, title = _score_column(rows)
    fig = go.Figure()
    for r in rows:
        size, zipped = r["size_bytes"] / 1000, r["zipped_bytes"] / 1000
        fig.add_trace(go.Scatter(
            x=[zipped, size], y=[r[key]] * 2, mode="lines+markers", name=r["label"],
            marker=dict(size=[9, 14], symbol=["circle-open", "circle"]),
            hovertemplate=f"{r['label']}<br>%{{x:.1f}} kB<br>{title}: %{{y:.4g}}<extra></extra>",
        ))  # fmt: skip
    fig.update_layout(title="Size and score (open: zipped, filled: on disk)",
                      xaxis_title="kB", yaxis_title=title, **LAYOUT)  # fmt: skip
    fig.update_layout(height=360, legend=dict(orientation="h", y=-0.25))
    fig.update_xaxes(rangemode="tozero")
    if key == "accuracy":
        fig.update_yaxes(range=[max(0.0, min(r[key] for r in rows) - 0.05), 1.005])
    return fig


def _latency_figure(rows: list[dict], threads: int) -> go.Figure:
    labels = [r["label"] for r in rows]
    fig = go.Figure([
        go.Bar(name=f"batch {b}", y=labels, x=[r[f"latency_ms_batch{b}"] for r in rows],
               orientation="h", hovertemplate="%{y}: %{x:.3g} ms<extra></extra>")
        for b in (1, 64)
    ])  # fmt: skip
    fig.update_layout(title=f"CPU latency per call ({threads} threads, median)",
                      xaxis_title="ms (log scale)", barmode="group", **LAYOUT)  # fmt: skip
    fig.update_layout(height=360, legend=dict(orientation="h", y=-0.25))
    fig.update_xaxes(type="log", dtick=1)  # ticks at 0.1, 1, 10 ms only
    fig.update_yaxes(autorange="reversed")
    return fig


def _int8_download(run: "Run", rows: list[dict]) -> None:
    row = next((r for r in rows if r["variant"] == "int8"), None)
    if row is None:
        return
    files = [compressed_folder(run) / f for f in row["files"]]
    if not all(f.exists() for f in files):
        return
    if len(files) == 1:
        data, name = files[0].read_bytes(), f"{run.id}-{files[0].name}"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, Path(f).name)
        data, name = buffer.getvalue(), f"{run.id}-int8.zip"
    st.download_button(f"Int8 model ({', '.join(row['files'])})", data, name,
                       "application/octet-stream", icon=":material/download:",
                       key="compress-int8-download")  # fmt: skip


def _show(run: "Run", comparison: dict) -> None:
    rows = comparison["rows"]
    st.dataframe(_table(rows), hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    c1.plotly_chart(_size_figure(rows), key="compress-size-chart")
    c2.plotly_chart(_latency_figure(rows, comparison["torch_threads"]), key="compress-lat-chart")
    with st.expander("What each variant is"):
        st.markdown("\n".join(f"- **{r['label']}:** {r['note']}" for r in rows))
    if any(r["variant"].startswith("pruned") for r in rows):
        st.info(HONEST_PRUNING)
    st.caption(
        "Latency is the median of repeated calls on this server's CPU, the variants taking "
        "turns; a busy machine makes it noisy, so compare variants within one table."
    )
    d1, d2 = st.columns(2)
    with d1:
        _int8_download(run, rows)
    d2.download_button("Comparison table (CSV)", _table(rows).to_csv(index=False).encode(),
                       f"{run.id}-compression.csv", "text/csv", icon=":material/download:",
                       key="compress-csv-download")  # fmt: skip


def show_compress(run: "Run") -> None:
    """Choose methods, build and measure the variants, then show the table, charts, downloads."""
    if run.record.task == "image-generation":
        st.info("Compression is measured on test accuracy or error; a VAE has neither.")
        return
    st.caption(
        "Make the model smaller and see what it costs: every variant is timed on this CPU and "
        "scored on the run's test split."
    )
    methods = st.multiselect("Methods", list(METHODS), default=list(METHODS),
                             format_func=METHODS.get, key="compress-methods")  # fmt: skip
    c1, c2 = st.columns(2)
    sparsity = c1.slider("Pruning: share of weights set to zero", 0.1, 0.95, 0.5, 0.05,
                         disabled="prune" not in methods, key="compress-sparsity")  # fmt: skip
    epochs = c2.number_input("Fine-tune epochs after pruning", 0, 10, 0,
                             disabled="prune" not in methods, key="compress-epochs",
                             help="Training with the zeros kept wins back accuracy.")  # fmt: skip
    if st.button("Compress and compare", type="primary", disabled=not methods,
                 key="compress-go"):  # fmt: skip
        with st.status("Compressing…", expanded=True) as status:
            bar = st.progress(0.0, text="Starting…")
            try:
                compare_variants(run, sparsity, int(epochs), methods=tuple(methods),
                                 progress=lambda f, text: bar.progress(f, text=text))  # fmt: skip
            except LabInputError as e:
                status.update(label="Could not compress", state="error")
                st.error(str(e))
                return
            status.update(label="Compressed and measured", state="complete", expanded=False)
    comparison = last_comparison(run)
    if comparison is None:
        st.info("No comparison yet: choose methods and press **Compress and compare**.")
        return
    _show(run, comparison)
