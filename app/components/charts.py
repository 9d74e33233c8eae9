"""Plotly figure builders (small figures: send the history, not thousands of points)."""

import plotly.graph_objects as go

from app.i18n import t

LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), height=300, legend=dict(orientation="h"))


def class_balance(counts: dict[str, int]) -> go.Figure:
    """Bar chart of images per class."""
    fig = go.Figure(go.Bar(x=list(counts), y=list(counts.values()), marker_color="#4c78a8"))
    fig.update_layout(
        title=t("charts.images_per_class"),
        xaxis_title=t("charts.class"),
        yaxis_title=t("charts.images"),
        **LAYOUT,
    )
    fig.update_xaxes(type="category")
    return fig


CURVES = ("recon", "kl", "elbo", "loss", "accuracy")  # metrics with a title in the catalogue


def curve_title(metric: str) -> str:
    """The title of a learning-curve chart, in the session's language."""
    return t(f"charts.curve.{metric}") if metric in CURVES else metric.capitalize()


def split_name(split: str) -> str:
    """A split's name ("train", "val", "test") as the user reads it."""
    return t(f"charts.split.{split}") if split in ("train", "val", "test") else split


def learning_curves(history: list[dict], metric: str) -> go.Figure:
    """Train and validation `metric` ("loss" or "accuracy") per epoch."""
    fig = go.Figure()
    epochs = [r["epoch"] for r in history]
    for split, dash in (("train", "solid"), ("val", "dot")):
        key = f"{split}_{metric}"
        ys = [r.get(key) for r in history]
        if any(v is not None for v in ys):
            fig.add_trace(
                go.Scatter(
                    x=epochs, y=ys, name=split_name(split), mode="lines+markers", line_dash=dash
                )
            )
    fig.update_layout(title=curve_title(metric), xaxis_title=t("charts.epoch"), **LAYOUT)
    fig.update_xaxes(dtick=1 if len(history) <= 20 else None)
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1.02])
    return fig


def confusion_heatmap(cm: list[list[int]], classes: list[str]) -> go.Figure:
    """Counts heatmap: rows true class, columns predicted."""
    fig = go.Figure(
        go.Heatmap(
            z=cm, x=classes, y=classes, colorscale="Blues", text=cm, texttemplate="%{text}",
            hovertemplate=t("charts.confusion_hover"),
        )
    )  # fmt: skip
    fig.update_layout(
        title=t("charts.confusion_matrix"),
        xaxis_title=t("charts.predicted"),
        yaxis_title=t("charts.true"),
        **LAYOUT,
    )
    fig.update_layout(height=max(300, 36 * len(classes) + 120))
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def probability_bars(probs, classes: list[str], highlight: int | None = None) -> go.Figure:
    """Horizontal bars of class probabilities."""
    colors = ["#e45756" if i == highlight else "#4c78a8" for i in range(len(classes))]
    fig = go.Figure(
        go.Bar(x=list(map(float, probs)), y=classes, orientation="h", marker_color=colors)
    )
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10), height=max(120, 18 * len(classes) + 40))
    fig.update_xaxes(range=[0, 1], title=t("charts.probability"))
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def histogram(
    values, title: str, x_title: str | None = None, y_title: str | None = None
) -> go.Figure:
    """Distribution of a numeric target (or any per-example number); axes: "value", "rows"."""
    fig = go.Figure(go.Histogram(x=list(map(float, values)), marker_color="#4c78a8", nbinsx=30))
    x_title, y_title = x_title or t("charts.value"), y_title or t("charts.rows")
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **LAYOUT)
    return fig


SPAN_COLORS = {"train": "rgba(76,120,168,0.08)", "val": "rgba(245,133,24,0.12)",
               "test": "rgba(228,87,86,0.15)"}  # fmt: skip


def series_with_splits(series, target: str, split_times: dict, extra: dict | None = None):
    """The target over time, train/val/test spans shaded; `extra`: name -> (times, values)."""
    fig = go.Figure(go.Scatter(x=series.index, y=series[target], name=target, mode="lines",
                               line=dict(color="#4c78a8", width=1)))  # fmt: skip
    for split, (start, end) in split_times.items():
        fig.add_vrect(x0=start, x1=end, fillcolor=SPAN_COLORS.get(split), line_width=0,
                      annotation_text=split_name(split),
                      annotation_position="top left")  # fmt: skip
    for name, (times, values) in (extra or {}).items():
        fig.add_trace(go.Scatter(x=times, y=values, name=name, mode="lines"))
    fig.update_layout(title=t("charts.over_time", target=target), **(LAYOUT | {"height": 340}))
    return fig


def predicted_vs_actual(y_true, y_pred, y_linear, target: str) -> go.Figure:
    """Scatter of predictions against the truth, with the ideal diagonal."""
    lo, hi = float(min(min(y_true), min(y_pred))), float(max(max(y_true), max(y_pred)))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name=t("charts.perfect"),
                             line=dict(color="gray", dash="dot")))  # fmt: skip
    fig.add_trace(go.Scatter(x=y_true, y=y_linear, mode="markers", name=t("charts.ridge_baseline"),
                             marker=dict(color="#bab0ac", size=6)))  # fmt: skip
    fig.add_trace(go.Scatter(x=y_true, y=y_pred, mode="markers", name=t("charts.network"),
                             marker=dict(color="#4c78a8", size=7)))  # fmt: skip
    layout = LAYOUT | {"height": 380}
    fig.update_layout(title=t("charts.predicted_vs_actual", target=target),
                      xaxis_title=t("charts.actual"), yaxis_title=t("charts.predicted"),
                      **layout)  # fmt: skip
    return fig


def signed_bars(values: dict[str, float], title: str) -> go.Figure:
    """Horizontal bars, red pushes the output up, blue down; largest magnitude on top."""
    items = sorted(values.items(), key=lambda kv: abs(kv[1]))[-15:]
    colors = ["#e45756" if v > 0 else "#4c78a8" for _, v in items]
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h",
                           marker_color=colors))  # fmt: skip
    fig.update_layout(title=title, **(LAYOUT | {"height": max(260, 24 * len(items) + 80)}))
    fig.update_yaxes(type="category")
    return fig


def heat_strip(attr, features: list[str], title: str) -> go.Figure:
    """(time step × feature) attributions as a heatmap; time runs left to right."""
    steps = [f"t-{len(attr) - i}" for i in range(len(attr))]
    peak = float(abs(attr).max()) or 1.0
    bar = dict(title=t("charts.attribution"))
    fig = go.Figure(go.Heatmap(z=attr.T, x=steps, y=features, colorscale="RdBu_r", zmin=-peak,
                               zmax=peak, colorbar=bar))  # fmt: skip
    fig.update_layout(title=title, **(LAYOUT | {"height": 140 + 30 * len(features)}))
    return fig
