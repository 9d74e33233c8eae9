"""What the Explain page shows: image heatmaps, per-feature bars, time-step heat strips."""

import streamlit as st

from app.components.charts import heat_strip, probability_bars, signed_bars
from app.components.images import upscale
from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS, list_methods
from lepton_core.explain.views import explain_test_images


def _methods(model, default: tuple[str, ...], container=st) -> list[str]:
    available = list_methods(model)
    return container.multiselect(
        "Methods",
        available,
        default=[m for m in default if m in available],
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )


def explain_images(model, ds) -> None:
    """Test images (or the mistakes) beside a heatmap per method and the class probabilities."""
    classes, n_test = ds.classes, len(ds.y["test"])
    st.caption(
        "Each heatmap is laid over a gray copy of the image: dark purple → orange → pale yellow "
        "means less → more important for the explained class."
    )
    mistakes = [i for i in st.session_state.get("mistakes", []) if i < n_test]
    left, mid, right = st.columns([2, 3, 1])
    source = left.radio("Images", ["first test images", "confident mistakes", "choose by number"],
                        horizontal=True, index=1 if mistakes else 0)  # fmt: skip
    if source == "confident mistakes" and mistakes:
        indices = mistakes[:6]
        left.caption(f"The {len(indices)} most confident mistakes found on the Evaluate page.")
    elif source == "choose by number":
        indices = left.multiselect("Test image numbers", list(range(n_test)), default=[0, 1, 2])
    else:
        indices = list(range(4))
        if source == "confident mistakes":
            left.caption("No mistakes recorded yet: open Evaluate first, or the model made none.")
    available = list_methods(model)
    methods = mid.multiselect(
        "Methods",
        available,
        default=[m for m in ("saliency", "integrated-gradients", "grad-cam") if m in available],
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )
    target = right.radio(
        "Explain the", ["predicted", "true"], help="class whose score is explained"
    )

    if not indices or not methods:
        st.info("Pick at least one image and one method.")
        return
    with st.expander("What do the methods show?"):
        for name in methods:
            st.markdown(
                f"**{EXPLAIN_METHODS.get(name).label}**: {EXPLAIN_METHODS.get(name).description}"
            )

    try:
        with st.spinner("Computing attributions…"):
            rows = explain_test_images(model, ds.x["test"], ds.y["test"], indices, methods, target)
    except LabInputError as e:
        st.error(str(e))
        return

    for row in rows:
        ok = row["true"] == row["predicted"]
        st.markdown(
            f"**Test image #{row['index']}** · true **{classes[row['true']]}** · predicted "
            f"**{classes[row['predicted']]}** {'(correct)' if ok else '(wrong)'} · explaining "
            f"*{classes[row['target']]}*"
        )
        cols = st.columns(len(methods) + 2)
        big = upscale(row["image"], 128)
        cols[0].image(big, caption="input", width=big.shape[1])
        for col, name in zip(cols[1:], methods, strict=False):
            big = upscale(row["overlays"][name], 128)
            col.image(big, caption=EXPLAIN_METHODS.get(name).label, width=big.shape[1])
        cols[-1].plotly_chart(
            probability_bars(row["probs"], classes, row["predicted"]), key=f"p-{row['index']}"
        )


def explain_table(model, ds) -> None:
    """Per-row signed bars and global mean |attribution|, per original column."""
    from lepton_core.explain.tabular import explain_rows, global_importance

    groups, n_test = ds.meta["groups"], len(ds.y["test"])
    c1, c2 = st.columns([1, 2])
    row = int(c1.number_input("Test row", 0, n_test - 1, 0))
    methods = _methods(model, ("integrated-gradients", "feature-ablation", "gradient-shap"), c2)
    if not methods:
        st.info("Pick at least one method.")
        return
    target = None
    if ds.classes:
        pred = int(model(ds.x["test"][row : row + 1]).argmax())
        st.markdown(f"Row {row}: true **{ds.classes[int(ds.y['test'][row])]}**, predicted "
                    f"**{ds.classes[pred]}**; bars explain the predicted class. Red pushes "
                    "towards it, blue away.")  # fmt: skip
    else:
        st.markdown(f"Row {row}: red features push the predicted {ds.meta['target']} up, "
                    "blue ones down.")  # fmt: skip
    cols = st.columns(len(methods))
    for col, name in zip(cols, methods, strict=True):
        values = explain_rows(model, ds.x["test"][row : row + 1], groups, name, target)
        label = EXPLAIN_METHODS.get(name).label
        col.plotly_chart(signed_bars({k: float(v[0]) for k, v in values.items()}, label),
                         key=f"row-{name}")  # fmt: skip
    st.subheader("Across the whole test split")
    st.caption("Mean |attribution| per column: how much each column matters overall.")
    cols = st.columns(len(methods))
    for col, name in zip(cols, methods, strict=True):
        values = global_importance(model, ds.x["test"], groups, name, target)
        col.plotly_chart(signed_bars(values, EXPLAIN_METHODS.get(name).label), key=f"all-{name}")


def explain_series(model, ds) -> None:
    """A heat strip (time step × feature) of what drove one forecast step of one test window."""
    from lepton_core.explain.tabular import explain_window

    meta, n_test = ds.meta, len(ds.y["test"])
    c1, c2, c3 = st.columns([1, 1, 2])
    window = int(c1.number_input("Test window", 0, n_test - 1, 0))
    step = int(c2.number_input("Forecast step", 1, meta["horizon"], 1)) - 1
    methods = _methods(model, ("integrated-gradients", "saliency", "feature-ablation"), c3)
    st.caption(f"Window {window} forecasts from {ds.extra.times['test'][window]}. Each strip shows "
               "which past time steps (left = oldest) and features drove forecast step "
               f"{step + 1}: red raised it, blue lowered it.")  # fmt: skip
    for name in methods:
        attr = explain_window(model, ds.x["test"][window], name, step)
        fig = heat_strip(attr, meta["features"], EXPLAIN_METHODS.get(name).label)
        st.plotly_chart(fig, key=f"strip-{name}")
