"""What the Explain page shows: image heatmaps, per-feature bars, time-step heat strips."""

import streamlit as st

from app.components.charts import heat_strip, signed_bars
from lepton_core.explain import EXPLAIN_METHODS, list_methods


def _methods(model, default: tuple[str, ...], container=st) -> list[str]:
    available = list_methods(model)
    return container.multiselect(
        "Methods",
        available,
        default=[m for m in default if m in available],
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )


def explain_images(run_id: str, finished: float, model, ds) -> None:
    """Images × methods, per-class averages, and the evidence of which maps to trust."""
    from app.components.explain_grid_view import class_view, image_grid
    from app.components.trust_panel import trust_panel
    from lepton_core.api import load_run

    grid_tab, class_tab, trust_tab = st.tabs(["Images × methods", "Class view", "Trust"])
    with grid_tab:
        image_grid(run_id, finished, model, ds)
    with class_tab:
        class_view(run_id, finished, model, ds)
    with trust_tab:
        trust_panel(load_run(run_id), model, ds)


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
