"""The Explain page for image classifiers: a grid of images × methods, and per-class averages."""

import json

import numpy as np
import streamlit as st

from app.components.charts import probability_bars
from app.components.images import upscale
from app.i18n import catalog, t
from lepton_core.errors import LabInputError
from lepton_core.explain import BASELINES, EXPLAIN_METHODS, conv_layer_names, list_methods
from lepton_core.explain.grid import class_average, explain_grid, grid_npy, grid_png, is_signed
from lepton_core.explain.render import colorize, image_to_rgb

DEFAULT_METHODS = ("saliency", "integrated-gradients", "grad-cam", "guided-backprop")
CELL_PX = 112
IMAGE_SOURCES = ("first", "mistakes", "number")  # how the grid's test images are picked
TARGETS = ("predicted", "true", "a class")  # what the maps explain (values the engine reads)


@st.cache_data(max_entries=16, show_spinner=False)  # the caller shows a translated spinner
def _grid(run_id, finished, indices: tuple, methods: tuple, target, options_json, _model, _ds):
    x, y, options = _ds.x["test"], _ds.y["test"], json.loads(options_json)
    return explain_grid(_model, x, y, list(indices), list(methods), target, options)


def method_options(model, methods: list[str], container) -> dict[str, dict]:
    """The options a user may change: the IG baseline and the CAM layer."""
    options: dict[str, dict] = {}
    if "integrated-gradients" in methods:
        baseline = container.selectbox(
            t("explain_grid_view.ig_baseline"), list(BASELINES), format_func=_baseline_name,
            help=t("explain_grid_view.ig_baseline_help") + "; ".join(
                f"{_baseline_name(k)}: {_baseline_text(k)}" for k in BASELINES),
        )  # fmt: skip
        options["integrated-gradients"] = {"baseline": baseline}
    cams = [m for m in methods if m in ("grad-cam", "guided-grad-cam")]
    layers = conv_layer_names(model)
    if cams and layers:
        layer = container.selectbox(
            t("explain_grid_view.cam_layer"), layers, index=len(layers) - 1,
            help=t("explain_grid_view.cam_layer_help"),
        )  # fmt: skip
        options |= {m: {"layer": layer} for m in cams}
    return options


@st.cache_data(max_entries=16, show_spinner=False)
def _class_maps(run_id: str, finished: float, method: str, per_class: int, _model, _ds):
    return class_average(_model, _ds.x["test"], _ds.y["test"], method, per_class)


def _baseline_name(kind: str) -> str:
    return t(f"explain_grid_view.baseline.{kind}") if _known(kind) else kind.capitalize()


def _baseline_text(kind: str) -> str:
    return t(f"explain_grid_view.baseline_text.{kind}") if _known(kind) else BASELINES[kind]


def _known(kind: str) -> bool:
    return f"explain_grid_view.baseline.{kind}" in catalog("en")


def colour_scale(signed: bool) -> None:
    """A small colour bar with what its ends mean."""
    ramp = np.linspace(-1 if signed else 0, 1, 256)[None, :].repeat(14, axis=0)
    st.image(colorize(ramp, signed), width=256)
    if signed:
        st.caption(t("explain_grid_view.scale_signed"))
    else:
        st.caption(t("explain_grid_view.scale_absolute"))


def pick_images(n_test: int, container) -> list[int]:
    """Test image numbers: the first few, the confident mistakes, or chosen by number."""
    mistakes = [i for i in st.session_state.get("mistakes", []) if i < n_test]
    source = container.radio(
        t("explain_grid_view.images"), IMAGE_SOURCES, horizontal=True,
        index=1 if mistakes else 0, format_func=lambda s: t(f"explain_grid_view.source.{s}"),
    )  # fmt: skip
    if source == "mistakes" and mistakes:
        container.caption(t("explain_grid_view.mistakes_from_evaluate", n=len(mistakes[:6])))
        return mistakes[:6]
    if source == "number":
        return container.multiselect(
            t("explain_grid_view.image_numbers"), list(range(n_test)), default=[0, 1, 2]
        )
    if source == "mistakes":
        container.caption(t("explain_grid_view.no_mistakes"))
    return list(range(4))


def pick_target(classes: list[str], container):
    """'predicted', 'true' or a class index."""
    kind = container.radio(
        t("explain_grid_view.explain_the"), TARGETS, horizontal=True,
        format_func=lambda k: t(f"explain_grid_view.target.{k.replace(' ', '_')}"),
        help=t("explain_grid_view.explain_the_help"),
    )  # fmt: skip
    if kind != "a class":
        return kind
    return container.selectbox(
        t("explain_grid_view.class"), range(len(classes)), format_func=lambda k: classes[k]
    )


def image_grid(run_id: str, finished: float, model, ds) -> None:
    """Controls, the grid, its colour scale and its downloads."""
    classes = ds.classes
    left, mid = st.columns([3, 4])
    indices = pick_images(len(ds.y["test"]), left)
    available = list_methods(model)
    methods = mid.multiselect(
        t("explain_grid_view.methods"), available,
        default=[m for m in DEFAULT_METHODS if m in available],
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )  # fmt: skip
    c1, c2 = st.columns([3, 4])
    target = pick_target(classes, c1)
    options = method_options(model, methods, c1)
    with c2:
        signed = st.toggle(
            t("explain_grid_view.signed"), value=False, help=t("explain_grid_view.signed_help")
        )
        colour_scale(signed)
    if not indices or not methods:
        st.info(t("explain_grid_view.pick_both"))
        return
    try:
        opts = json.dumps(options, sort_keys=True)
        with st.spinner(t("explain_grid_view.computing")):
            grid = _grid(run_id, finished, tuple(indices), tuple(methods), target, opts, model, ds)
    except LabInputError as e:
        st.error(str(e))
        return
    with st.expander(t("explain_grid_view.what_methods")):
        for name in methods:
            m = EXPLAIN_METHODS.get(name)
            sign = t(f"explain_grid_view.{'signed' if is_signed(name) else 'absolute'}_word")
            st.markdown(
                t("explain_grid_view.method_line", label=m.label, sign=sign, text=m.description)
            )
    widths = [1] * (len(methods) + 1) + [2]
    header = st.columns(widths)
    header[0].markdown(t("explain_grid_view.input"))
    for col, name in zip(header[1:], methods, strict=False):
        col.markdown(f"**{EXPLAIN_METHODS.get(name).label}**")
    header[-1].markdown(t("explain_grid_view.class_probabilities"))
    for r, i in enumerate(grid.indices):
        true, p, k = (classes[int(v)] for v in (grid.true[r], grid.predicted[r], grid.targets[r]))
        cols = st.columns(widths)
        big = upscale(image_to_rgb(grid.images[r]), CELL_PX)
        caption = t("explain_grid_view.cell", index=i, true=true, target=k)
        cols[0].image(big, caption=caption, width=big.shape[1])
        for c, col in enumerate(cols[1 : 1 + len(methods)]):
            big = upscale(grid.overlay(r, c, signed), CELL_PX)
            col.image(big, width=big.shape[1])
        bars = probability_bars(grid.probs[r], classes, int(grid.predicted[r]))
        cols[-1].plotly_chart(bars, key=f"p-{i}", config={"displayModeBar": False})
        cols[-1].caption(t("explain_grid_view.predicted", label=p, p=grid.probs[r].max()))
    d1, d2, _ = st.columns([1, 1, 2])
    d1.download_button(t("explain_grid_view.grid_png"), grid_png(grid, signed),
                       "explain_grid.png", "image/png", icon=":material/download:")  # fmt: skip
    d2.download_button(t("explain_grid_view.npy"), grid_npy(grid), "attributions.npy",
                       "application/octet-stream", icon=":material/download:",
                       help=t("explain_grid_view.npy_help"))  # fmt: skip


def class_view(run_id: str, finished: float, model, ds) -> None:
    """The average |attribution| of each class over its test images."""
    st.caption(t("explain_grid_view.class_view_note"))
    c1, c2 = st.columns(2)
    available = list_methods(model)
    method = c1.selectbox(
        t("explain_grid_view.method"), available, key="class-view-method",
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )  # fmt: skip
    per_class = c2.select_slider(t("explain_grid_view.per_class"), [4, 8, 16, 32], 8)
    try:
        with st.spinner(t("explain_grid_view.averaging")):
            maps = _class_maps(run_id, finished, method, per_class, model, ds)
    except LabInputError as e:
        st.error(str(e))
        return
    cols = st.columns(min(len(maps), 10))
    for k, heat in enumerate(maps):
        big = upscale(colorize(heat), 96)
        cols[k % len(cols)].image(big, caption=ds.classes[k], width=big.shape[1])
