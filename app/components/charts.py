"""Plotly figure builders (small figures: send the history, not thousands of points)."""

import plotly.graph_objects as go

LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), height=300, legend=dict(orientation="h"))


def class_balance(counts: dict[str, int]) -> go.Figure:
    """Bar chart of images per class."""
    fig = go.Figure(go.Bar(x=list(counts), y=list(counts.values()), marker_color="#4c78a8"))
    fig.update_layout(title="Images per class", xaxis_title="class", yaxis_title="images", **LAYOUT)
    fig.update_xaxes(type="category")
    return fig


def learning_curves(history: list[dict], metric: str) -> go.Figure:
    """Train and validation `metric` ("loss" or "accuracy") per epoch."""
    fig = go.Figure()
    epochs = [r["epoch"] for r in history]
    for split, dash in (("train", "solid"), ("val", "dot")):
        key = f"{split}_{metric}"
        ys = [r.get(key) for r in history]
        if any(v is not None for v in ys):
            fig.add_trace(
                go.Scatter(x=epochs, y=ys, name=split, mode="lines+markers", line_dash=dash)
            )
    fig.update_layout(title=metric.capitalize(), xaxis_title="epoch", **LAYOUT)
    fig.update_xaxes(dtick=1 if len(history) <= 20 else None)
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1.02])
    return fig


def confusion_heatmap(cm: list[list[int]], classes: list[str]) -> go.Figure:
    """Counts heatmap: rows true class, columns predicted."""
    fig = go.Figure(
        go.Heatmap(
            z=cm, x=classes, y=classes, colorscale="Blues", text=cm, texttemplate="%{text}",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        title="Confusion matrix", xaxis_title="predicted", yaxis_title="true", **LAYOUT
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
    fig.update_xaxes(range=[0, 1], title="probability")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig
