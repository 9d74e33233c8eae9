"""The Deploy page's Compress tab: int8 and pruned variants of a run, measured side by side."""

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.components.charts import LAYOUT
from app.i18n import t
from lepton_core.compress import compare_variants, compressed_folder, last_comparison
from lepton_core.csv_safe import safe_csv
from lepton_core.errors import LabInputError

if TYPE_CHECKING:
    from lepton_core.runs import Run

METHODS = ("int8", "prune")  # shown as compress_view.method.<name>


def _col(name: str) -> str:
    return t(f"compress_view.column.{name}")


def _score_column(rows: list[dict]) -> tuple[str, str]:
    return ("accuracy", t("compress_view.score_accuracy")) if rows[0]["accuracy"] is not None else (
        "test_mae", t("compress_view.score_mae")
    )  # fmt: skip


def _table(rows: list[dict]) -> pd.DataFrame:
    key, title = _score_column(rows)
    return pd.DataFrame([{
        _col("variant"): r["label"],
        _col("runs_on"): r["runtime"],
        title: round(r[key], 4),  # the score first: it must not scroll out of sight
        _col("size"): round(r["size_bytes"] / 1000, 1),
        _col("vs_original"): round(r["size_vs_original"], 3),
        _col("zipped"): round(r["zipped_bytes"] / 1000, 1),
        _col("nonzero"): t("compress_view.nonzero_of", nonzero=r["nonzero"], weights=r["weights"]),
        _col("latency1"): round(r["latency_ms_batch1"], 3),
        _col("latency64"): round(r["latency_ms_batch64"], 2),
        _col("files"): ", ".join(r["files"]),
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
    fig.update_layout(title=t("compress_view.size_title"),
                      xaxis_title="kB", yaxis_title=title, **LAYOUT)  # fmt: skip
    fig.update_layout(height=360, legend=dict(orientation="h", y=-0.25))
    fig.update_xaxes(rangemode="tozero")
    if key == "accuracy":
        fig.update_yaxes(range=[max(0.0, min(r[key] for r in rows) - 0.05), 1.005])
    return fig


def _latency_figure(rows: list[dict], threads: int) -> go.Figure:
    labels = [r["label"] for r in rows]
    fig = go.Figure([
        go.Bar(name=t("compress_view.batch", b=b), y=labels,
               x=[r[f"latency_ms_batch{b}"] for r in rows],
               orientation="h", hovertemplate="%{y}: %{x:.3g} ms<extra></extra>")
        for b in (1, 64)
    ])  # fmt: skip
    fig.update_layout(title=t("compress_view.latency_title", threads=threads),
                      xaxis_title=t("compress_view.log_axis"),
                      barmode="group", **LAYOUT)  # fmt: skip
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
    label = t("compress_view.int8_download", files=", ".join(row["files"]))
    st.download_button(label, data, name,
                       "application/octet-stream", icon=":material/download:",
                       key="compress-int8-download")  # fmt: skip


def _show(run: "Run", comparison: dict) -> None:
    rows = comparison["rows"]
    st.dataframe(_table(rows), hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    c1.plotly_chart(_size_figure(rows), key="compress-size-chart")
    c2.plotly_chart(_latency_figure(rows, comparison["torch_threads"]), key="compress-lat-chart")
    with st.expander(t("compress_view.what_each")):
        st.markdown("\n".join(f"- **{r['label']}:** {r['note']}" for r in rows))
    if any(r["variant"].startswith("pruned") for r in rows):
        st.info(t("compress_view.honest_pruning"))
    st.caption(t("compress_view.latency_caption"))
    d1, d2 = st.columns(2)
    with d1:
        _int8_download(run, rows)
    d2.download_button(t("compress_view.csv_download"), safe_csv(_table(rows)).encode(),
                       f"{run.id}-compression.csv", "text/csv", icon=":material/download:",
                       key="compress-csv-download")  # fmt: skip


def show_compress(run: "Run") -> None:
    """Choose methods, build and measure the variants, then show the table, charts, downloads."""
    if run.record.task == "image-generation":
        st.info(t("compress_view.vae_info"))
        return
    st.caption(t("compress_view.intro"))
    names = {m: t(f"compress_view.method.{m}") for m in METHODS}  # looked up now, in this session
    methods = st.multiselect(t("compress_view.methods"), METHODS, default=list(METHODS),
                             format_func=names.get, key="compress-methods")  # fmt: skip
    c1, c2 = st.columns(2)
    sparsity = c1.slider(t("compress_view.sparsity"), 0.1, 0.95, 0.5, 0.05,
                         disabled="prune" not in methods, key="compress-sparsity")  # fmt: skip
    epochs = c2.number_input(t("compress_view.epochs"), 0, 10, 0,
                             disabled="prune" not in methods, key="compress-epochs",
                             help=t("compress_view.epochs_help"))  # fmt: skip
    if st.button(t("compress_view.go"), type="primary", disabled=not methods,
                 key="compress-go"):  # fmt: skip
        with st.status(t("compress_view.compressing"), expanded=True) as status:
            bar = st.progress(0.0, text=t("compress_view.starting"))
            try:
                compare_variants(run, sparsity, int(epochs), methods=tuple(methods),
                                 progress=lambda f, text: bar.progress(f, text=text))  # fmt: skip
            except LabInputError as e:
                status.update(label=t("compress_view.failed"), state="error")
                st.error(str(e))
                return
            status.update(label=t("compress_view.done"), state="complete", expanded=False)
    comparison = last_comparison(run)
    if comparison is None:
        st.info(t("compress_view.no_comparison"))
        return
    _show(run, comparison)
