"""Try an image model: draw on a canvas, take a photo or upload a file; see its answer and why.

The whole section is a fragment: a stroke on the canvas reruns only this, not the page.
"""

import time

import streamlit as st

from app.components.charts import probability_bars
from app.components.images import upscale
from app.components.try_it import method_choice, show_classes
from app.i18n import t
from lepton_core.errors import LabInputError

SOURCES = ("Draw", "Camera", "Upload")  # option values; shown as try_image.source.<name>
IMAGE_TYPES = ["png", "jpg", "jpeg", "bmp", "gif", "webp"]
MAX_UPLOAD_MB = 20
CANVAS = 280  # px
STROKE = 22  # px: thick, like the training digits' strokes
PREFERRED = ("grad-cam", "integrated-gradients")  # the default explanation, if the model allows


def _drawing(run_id: str, style):
    """The canvas; returns the drawing prepared like the training images, or None if empty."""
    from streamlit_drawable_canvas import st_canvas

    from lepton_core.drawing import prepare_drawing

    st.caption(t("try_image.draw_digit" if style.grid else "try_image.draw_thing"))
    result = st_canvas(
        stroke_width=STROKE,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS,
        width=CANVAS,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"try-canvas-{run_id}",
    )
    pixels = result.image_data
    if pixels is None or not pixels[..., :3].any():
        return None
    try:
        return prepare_drawing(pixels, style)
    except LabInputError:  # strokes too faint to count as ink
        return None


def _photo(data: bytes, style, as_drawing: bool):
    """An uploaded or photographed image: checked, and made to look like a drawing if asked."""
    from lepton_core.data.images import decode_image
    from lepton_core.drawing import paper_ink, prepare_drawing

    img = decode_image(data)  # LabInputError with a plain message on a bad file
    return prepare_drawing(paper_ink(img), style) if as_drawing else img


def _input(source: str, run_id: str, style):
    """The raw input of the chosen source (a PIL image), or None while there is none yet."""
    if source == "Draw":
        return _drawing(run_id, style)
    if source == "Camera":
        shot = st.camera_input(t("try_image.take_photo"), key=f"try-camera-{run_id}")
    else:
        shot = st.file_uploader(
            t("try_image.image_file"),
            type=IMAGE_TYPES,
            key=f"try-upload-{run_id}",
            max_upload_size=MAX_UPLOAD_MB,
        )
    as_drawing = bool(style.grid) and st.checkbox(
        t("try_image.as_drawing"),
        value=True,
        key=f"try-as-drawing-{run_id}",
    )
    if shot is None:
        return None
    return _photo(shot.getvalue(), style, as_drawing)


def _explain(p, pred, method: str) -> None:
    """What the model saw, and the explanation's heatmap over it."""
    from lepton_core.explain import EXPLAIN_METHODS, attribute, to_heatmap
    from lepton_core.explain.render import image_to_rgb, overlay

    signed = EXPLAIN_METHODS.get(method).signed
    heat = to_heatmap(attribute(p.model, pred.inputs[0], method), signed)
    seen = pred.inputs[0].numpy()
    a, b = st.columns(2)
    a.image(upscale(image_to_rgb(seen), 168), caption=t("try_image.model_sees"))
    b.image(upscale(overlay(seen, heat, signed), 168), caption=EXPLAIN_METHODS.get(method).label)
    st.caption(t("try_image.signed" if signed else "try_image.unsigned"))


def _warm_up(run_id: str, p, style) -> None:
    """Once per session and run, while the user starts drawing: predict and explain a blank
    image, and build its chart, so the first real answer does not wait for libraries to load."""
    from PIL import Image

    from lepton_core.explain import attribute, list_methods

    key = f"try-warm-{run_id}"
    if st.session_state.get(key):
        return
    blank = Image.new("L" if style.channels == 1 else "RGB", (style.size, style.size))
    pred = p.predict([blank])
    probability_bars(pred.probs[0], pred.classes).to_json()
    method = next((m for m in PREFERRED if m in list_methods(p.model)), None)
    if method:
        attribute(p.model, pred.inputs[0], method)
    st.session_state[key] = True


@st.fragment
def try_image(run, p) -> None:
    """Input on the left, the prediction in the middle, the explanation on the right."""
    from lepton_core.drawing import style_for

    style = style_for(run.config.data.source, tuple(p.meta["input_shape"]))
    default = 0 if style.channels == 1 else 2
    names = {s: t(f"try_image.source.{s}") for s in SOURCES}  # looked up now, in this session
    source = st.radio(
        t("try_image.input"),
        SOURCES,
        index=default,
        horizontal=True,
        key=f"try-src-{run.id}",
        format_func=names.get,
    )
    left, middle, right = st.columns([1.1, 1, 1], gap="large")
    t0 = time.perf_counter()
    with left:
        try:
            raw = _input(source, run.id, style)
        except LabInputError as e:
            st.error(t("try_image.cannot_use", error=e))
            return
    if raw is None:
        middle.info(t("try_image.hint_draw" if source == "Draw" else "try_image.hint_photo"))
        _warm_up(run.id, p, style)
        return
    pred = p.predict([raw])
    with middle:
        show_classes(pred)
    with right:
        method = method_choice(p.model, PREFERRED, "try-img-method")
        if method:
            _explain(p, pred, method)
    middle.caption(t("try_image.answered", ms=1000 * (time.perf_counter() - t0)))
