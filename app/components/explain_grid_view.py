"""The Explain page for image classifiers: a grid of images × methods, and per-class averages."""

import json

import numpy as np
import streamlit as st

from app.components.charts import probability_bars
from app.components.images import upscale
from lepton_core.errors import LabInputError
from lepton_core.explain import BASELINES, EXPLAIN_METHODS, conv_layer_names, list_methods
from lepton_core.explain.grid import class_average, explain_grid, grid_npy, grid_png, is_signed
from lepton_core.explain.render import colorize, image_to_rgb

DEFAULT_METHODS = ("saliency", "integrated-gradients", "grad-cam", "guided-backprop")
CELL_PX = 112


@st.cache_data(max_entries=16, show_spinner="Computing attributions…")
def _grid(run_id, finished, indices: tuple, methods: tuple, target, options_json, _model, _ds):
    x, y, options = _ds.x["test"], _ds.y["test"], json.loads(options_json)
    return explain_grid(_model, x, y, list(indices), list(methods), target, options)


def method_options(model, methods: list[str], container) -> dict[str, dict]:
    """The options a user may change: the IG baseline and the CAM layer."""
    options: dict[str, dict] = {}
    if "integrated-gradients" in methods:
        baseline = container.selectbox(
            "Integrated Gradients baseline", list(BASELINES), format_func=str.capitalize,
            help="the neutral input the path starts from: " + "; ".join(
                f"{k}: {v}" for k, v in BASELINES.items()),
        )  # fmt: skip
        options["integrated-gradients"] = {"baseline": baseline}
    cams = [m for m in methods if m in ("grad-cam", "guided-grad-cam")]
    layers = conv_layer_names(model)
    if cams and layers:
        layer = container.selectbox(
            "Grad-CAM layer", layers, index=len(layers) - 1,
            help="deeper layers: coarser maps, more about the class",
        )  # fmt: skip
        options |= {m: {"layer": layer} for m in cams}
    return options


@st.cache_data(max_entries=16, show_spinner="Averaging attributions per class…")
def _class_maps(run_id: str, finished: float, method: str, per_class: int, _model, _ds):
    return class_average(_model, _ds.x["test"], _ds.y["test"], method, per_class)


def colour_scale(signed: bool) -> None:
    """A small colour bar with what its ends mean."""
    ramp = np.linspace(-1 if signed else 0, 1, 256)[None, :].repeat(14, axis=0)
    st.image(colorize(ramp, signed), width=256)
    if signed:
        st.caption("blue: lowers the explained class's score · white: no effect · "
                   "red: raises it. Methods without a sign stay on the heat scale.")  # fmt: skip
    else:
        st.caption("dark: unimportant → orange → pale yellow: most important for the explained "
                   "class (absolute values, sign ignored).")  # fmt: skip


def pick_images(n_test: int, container) -> list[int]:
    """Test image numbers: the first few, the confident mistakes, or chosen by number."""
    mistakes = [i for i in st.session_state.get("mistakes", []) if i < n_test]
    choices = ["first test images", "confident mistakes", "choose by number"]
    source = container.radio("Images", choices, horizontal=True, index=1 if mistakes else 0)
    if source == "confident mistakes" and mistakes:
        container.caption(f"The {len(mistakes[:6])} most confident mistakes from Evaluate.")
        return mistakes[:6]
    if source == "choose by number":
        return container.multiselect("Test image numbers", list(range(n_test)), default=[0, 1, 2])
    if source == "confident mistakes":
        container.caption("No mistakes recorded yet: open Evaluate first, or the model made none.")
    return list(range(4))


def pick_target(classes: list[str], container):
    """'predicted', 'true' or a class index."""
    kind = container.radio("Explain the", ["predicted", "true", "a class"], horizontal=True,
                           help="which class's score the maps explain")  # fmt: skip
    if kind != "a class":
        return kind
    return container.selectbox("Class", range(len(classes)), format_func=lambda k: classes[k])


def image_grid(run_id: str, finished: float, model, ds) -> None:
    """Controls, the grid, its colour scale and its downloads."""
    classes = ds.classes
    left, mid = st.columns([3, 4])
    indices = pick_images(len(ds.y["test"]), left)
    available = list_methods(model)
    methods = mid.multiselect(
        "Methods", available, default=[m for m in DEFAULT_METHODS if m in available],
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )  # fmt: skip
    c1, c2 = st.columns([3, 4])
    target = pick_target(classes, c1)
    options = method_options(model, methods, c1)
    with c2:
        signed = st.toggle("Signed maps", value=False, help="red raises, blue lowers the score")
        colour_scale(signed)
    if not indices or not methods:
        st.info("Pick at least one image and one method.")
        return
    try:
        opts = json.dumps(options, sort_keys=True)
        grid = _grid(run_id, finished, tuple(indices), tuple(methods), target, opts, model, ds)
    except LabInputError as e:
        st.error(str(e))
        return
    with st.expander("What do the methods show?"):
        for name in methods:
            m = EXPLAIN_METHODS.get(name)
            sign = "signed" if is_signed(name) else "absolute"
            st.markdown(f"**{m.label}** ({sign}): {m.description}")
    widths = [1] * (len(methods) + 1) + [2]
    header = st.columns(widths)
    header[0].markdown("**input**")
    for col, name in zip(header[1:], methods, strict=False):
        col.markdown(f"**{EXPLAIN_METHODS.get(name).label}**")
    header[-1].markdown("**class probabilities**")
    for r, i in enumerate(grid.indices):
        t, p, k = (classes[int(v)] for v in (grid.true[r], grid.predicted[r], grid.targets[r]))
        cols = st.columns(widths)
        big = upscale(image_to_rgb(grid.images[r]), CELL_PX)
        cols[0].image(big, caption=f"#{i} · true {t} · explains {k}", width=big.shape[1])
        for c, col in enumerate(cols[1 : 1 + len(methods)]):
            big = upscale(grid.overlay(r, c, signed), CELL_PX)
            col.image(big, width=big.shape[1])
        bars = probability_bars(grid.probs[r], classes, int(grid.predicted[r]))
        cols[-1].plotly_chart(bars, key=f"p-{i}", config={"displayModeBar": False})
        cols[-1].caption(f"predicted {p} ({grid.probs[r].max():.0%})")
    d1, d2, _ = st.columns([1, 1, 2])
    d1.download_button("Grid as PNG", grid_png(grid, signed), "explain_grid.png", "image/png",
                       icon=":material/download:")  # fmt: skip
    d2.download_button("Attributions (.npy)", grid_npy(grid), "attributions.npy",
                       "application/octet-stream", icon=":material/download:",
                       help="array (images, methods, channels, height, width)")  # fmt: skip


def class_view(run_id: str, finished: float, model, ds) -> None:
    """The average |attribution| of each class over its test images."""
    st.caption("For each class: the average map over its test images, each explaining its own "
               "true class. It shows where the model looks for that class in general.")  # fmt: skip
    c1, c2 = st.columns(2)
    available = list_methods(model)
    method = c1.selectbox("Method", available, format_func=lambda n: EXPLAIN_METHODS.get(n).label,
                          key="class-view-method")  # fmt: skip
    per_class = c2.select_slider("Images per class", [4, 8, 16, 32], 8)
    try:
        maps = _class_maps(run_id, finished, method, per_class, model, ds)
    except LabInputError as e:
        st.error(str(e))
        return
    cols = st.columns(min(len(maps), 10))
    for k, heat in enumerate(maps):
        big = upscale(colorize(heat), 96)
        cols[k % len(cols)].image(big, caption=ds.classes[k], width=big.shape[1])
