"""The Generate page's latent map: test codes coloured by class (PCA beyond 2-D), optional
thumbnails, and two sliders (or a click on a dot) that pick a point to decode."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.components.generate_views import VaeView
from app.components.images import png_data_uri, upscale
from app.i18n import t
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
    groups = [(name, view.y == k) for k, name in enumerate(view.classes)] or [
        (t("latent_map.test"), None)
    ]
    hover_image = t("latent_map.hover_image")  # plotly's %{customdata}: filled in by plotly
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
                hovertemplate=t("latent_map.hover_class", name=name)
                + f"<br>{hover_image}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[marker[0]],
            y=[marker[1]],
            mode="markers",
            name=t("latent_map.decoded_point"),
            hoverinfo="skip",
            marker=dict(symbol="x-thin", size=18, color="black", line=dict(width=3, color="black")),
        )
    )
    fig.update_layout(
        margin=dict(l=10, r=10, t=10, b=10),
        height=460,
        legend=dict(title=t("latent_map.class")),
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
    st.subheader(t("latent_map.title"))
    proj = generate.project(view.codes)
    points = proj.to_2d(view.codes)  # (N, 2)
    if proj.is_identity:
        names = axis = ("z1", "z2")
        st.caption(t("latent_map.caption_2d"))
    else:
        e1, e2 = proj.explained
        names = ("PC 1", "PC 2")
        axis = (t("latent_map.pc_axis", pc=names[0], share=e1),
                t("latent_map.pc_axis", pc=names[1], share=e2))  # fmt: skip
        st.caption(t("latent_map.caption_pca", dim=view.latent_dim, share=e1 + e2))
    limit = max(1.0, float(np.ceil(np.abs(points).max() * 2) / 2))
    left, right = st.columns([3, 2])
    with right:
        st.markdown(t("latent_map.decode_any"))
        for name in ("a", "b"):  # set here, not as a default: a click on the map moves them
            st.session_state.setdefault(view.key(name), 0.0)
        a = st.slider(names[0], -limit, limit, step=0.1, key=view.key("a"))
        b = st.slider(names[1], -limit, limit, step=0.1, key=view.key("b"))
        decoded = generate.decode(view.model, proj.to_latent([[a, b]]))[0]
        img_col, pick_col = st.columns(2)
        big = upscale(to_uint8(decoded), 168)
        img_col.image(big, caption=t("latent_map.decoded_at", a=a, b=b), width=big.shape[1])
        picked = st.session_state.get(view.key("picked"))
        if picked is not None and 0 <= picked < len(view.y):
            big = upscale(to_uint8(view.x[picked]), 168)
            pick_col.image(
                big, caption=t("latent_map.clicked", image=view.label(picked)), width=big.shape[1]
            )
        st.caption(
            t("latent_map.marker_note")
            + ("" if proj.is_identity else t("latent_map.other_directions"))
        )
    thumbnails = left.toggle(
        t("latent_map.thumbnails"), key=view.key("thumbs"),
        help=t("latent_map.thumbnails_help", n=THUMBS_PER_CLASS),
    )  # fmt: skip
    fig = latent_figure(view, points, axis, (a, b), thumbnails)
    left.plotly_chart(
        fig, key=MAP_KEY, on_select=lambda: _on_pick(view, limit), selection_mode="points"
    )
