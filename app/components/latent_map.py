"""The Generate page's latent map: test codes coloured by class (PCA beyond 2-D), optional
thumbnails, and two sliders (or a click on a dot) that pick a point to decode."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.components.generate_views import VaeView
from app.components.images import png_data_uri, upscale
from lepton_core import generate
from lepton_core.data.preview import to_uint8

MAP_KEY = "gen-map"
THUMBS_PER_CLASS = 6


def _thumbnails(view: VaeView, points: np.ndarray) -> list[dict]:
    """A few test images of each class, drawn at their codes (plotly layout images)."""
    span = float(np.ptp(points, axis=0).max()) or 1.0
    size = span / 14
    picks = (
        [
            i
            for k in range(len(view.classes))
            for i in np.flatnonzero(view.y == k)[:THUMBS_PER_CLASS]
        ]
        if view.classes
        else list(range(min(len(points), 10 * THUMBS_PER_CLASS)))
    )
    return [
        dict(
            source=png_data_uri(to_uint8(view.x[i])),
            xref="x",
            yref="y",
            x=float(points[i, 0]),
            y=float(points[i, 1]),
            sizex=size,
            sizey=size,
            xanchor="center",
            yanchor="middle",
            layer="above",
            opacity=0.9,
        )  # fmt: skip
        for i in picks
    ]


def latent_figure(
    view: VaeView, points: np.ndarray, axis: tuple[str, str], marker, thumbnails: bool = False
) -> go.Figure:
    """Test codes as dots coloured by class, with the decoded point marked."""
    fig = go.Figure()
    groups = [(name, view.y == k) for k, name in enumerate(view.classes)] or [("test", None)]
    for name, mask in groups:
        idx = np.arange(len(points)) if mask is None else np.flatnonzero(mask)
        fig.add_trace(
            go.Scatter(
                x=points[idx, 0],
                y=points[idx, 1],
                mode="markers",
                name=name,
                customdata=idx.tolist(),  # one int per dot: the test index
                marker=dict(size=7, opacity=0.75),
                hovertemplate=f"class {name}<br>test image #%{{customdata}}<br>"
                "(%{x:.2f}, %{y:.2f})<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[marker[0]],
            y=[marker[1]],
            mode="markers",
            name="decoded point",
            hoverinfo="skip",
            marker=dict(symbol="x-thin", size=18, color="black", line=dict(width=3, color="black")),
        )
    )
    fig.update_layout(
        margin=dict(l=10, r=10, t=10, b=10),
        height=460,
        legend=dict(title="class"),
        xaxis_title=axis[0],
        yaxis_title=axis[1],
        clickmode="event+select",
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    if thumbnails:
        fig.update_layout(images=_thumbnails(view, points))
    return fig


def _on_pick(view: VaeView, limit: float) -> None:
    """A click on a test image's dot: move the sliders to it and remember the image."""
    points = st.session_state[MAP_KEY].selection.points
    picked = [p for p in points if isinstance(p.get("customdata"), int)]  # not the ✕
    if not picked:
        return
    p = picked[0]
    st.session_state[view.key("picked")] = p["customdata"]
    for name, v in (("a", p["x"]), ("b", p["y"])):
        st.session_state[view.key(name)] = float(np.clip(round(float(v), 1), -limit, limit))


@st.fragment
def latent_map(view: VaeView) -> None:
    """The test codes on a 2-D map (PCA beyond 2-D) and a point picked with sliders, decoded."""
    st.subheader("Latent space")
    proj = generate.project(view.codes)
    points = proj.to_2d(view.codes)  # (N, 2)
    if proj.is_identity:
        axis = ("z1", "z2")
        st.caption(
            "This VAE codes each image as 2 numbers, so the map shows its latent space "
            "exactly. Each dot is a test image's code; similar images should sit close "
            "together. Hover a dot for its class, click it to see the image."
        )
    else:
        e1, e2 = proj.explained
        axis = (f"PC 1 ({e1:.0%} of variance)", f"PC 2 ({e2:.0%} of variance)")
        st.caption(
            f"This VAE codes each image as {view.latent_dim} numbers, too many to draw, so the "
            "map shows the two directions along which the test codes vary most (PCA): together "
            f"they hold {e1 + e2:.0%} of the codes' variance. Each dot is a test image's code. "
            "Hover a dot for its class, click it to see the image."
        )
    limit = max(1.0, float(np.ceil(np.abs(points).max() * 2) / 2))
    left, right = st.columns([3, 2])
    with right:
        st.markdown("**Decode any point**")
        for name in ("a", "b"):  # set here, not as a default: a click on the map moves them
            st.session_state.setdefault(view.key(name), 0.0)
        a = st.slider(axis[0].split(" (")[0], -limit, limit, step=0.1, key=view.key("a"))
        b = st.slider(axis[1].split(" (")[0], -limit, limit, step=0.1, key=view.key("b"))
        decoded = generate.decode(view.model, proj.to_latent([[a, b]]))[0]
        img_col, pick_col = st.columns(2)
        big = upscale(to_uint8(decoded), 168)
        img_col.image(big, caption=f"decoded at ({a:+.1f}, {b:+.1f})", width=big.shape[1])
        picked = st.session_state.get(view.key("picked"))
        if picked is not None and 0 <= picked < len(view.y):
            big = upscale(to_uint8(view.x[picked]), 168)
            pick_col.image(
                big, caption=f"clicked: test image {view.label(picked)}", width=big.shape[1]
            )
        st.caption(
            "The ✕ on the map marks the point. "
            + (
                ""
                if proj.is_identity
                else "Every other direction stays at the codes' average, "
                "so a clicked image's point decodes to a simplified version of it."
            )
        )
    thumbnails = left.toggle(
        "Show thumbnails on the map", key=view.key("thumbs"),
        help=f"draws {THUMBS_PER_CLASS} test images of each class at their codes",
    )  # fmt: skip
    fig = latent_figure(view, points, axis, (a, b), thumbnails)
    left.plotly_chart(
        fig, key=MAP_KEY, on_select=lambda: _on_pick(view, limit), selection_mode="points"
    )
