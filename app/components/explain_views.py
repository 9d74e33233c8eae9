"""What the Explain page shows: image heatmaps, per-feature bars, time-step heat strips."""

import streamlit as st

from app.components.charts import heat_strip, signed_bars
from app.i18n import t
from lepton_core.explain import EXPLAIN_METHODS, list_methods


def _methods(model, default: tuple[str, ...], container=st) -> list[str]:
    available = list_methods(model)
    return container.multiselect(
        t("explain_views.methods"),
        available,
        default=[m for m in default if m in available],
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )


def explain_images(run_id: str, finished: float, model, ds) -> None:
    """Images × methods, per-class averages, and the evidence of which maps to trust."""
    from app.components.explain_grid_view import class_view, image_grid
    from app.components.trust_panel import trust_panel
    from lepton_core.api import load_run

    grid_tab, class_tab, trust_tab = st.tabs(
        [t("explain_views.tab_grid"), t("explain_views.tab_class"), t("explain_views.tab_trust")]
    )
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
    row = int(c1.number_input(t("explain_views.test_row"), 0, n_test - 1, 0))
    methods = _methods(model, ("integrated-gradients", "feature-ablation", "gradient-shap"), c2)
    if not methods:
        st.info(t("explain_views.pick_method"))
        return
    target = None
    if ds.classes:
        pred = int(model(ds.x["test"][row : row + 1]).argmax())
        true = ds.classes[int(ds.y["test"][row])]
        st.markdown(t("explain_views.row_class", row=row, true=true, pred=ds.classes[pred]))
    else:
        st.markdown(t("explain_views.row_value", row=row, target=ds.meta["target"]))
    cols = st.columns(len(methods))
    for col, name in zip(cols, methods, strict=True):
        values = explain_rows(model, ds.x["test"][row : row + 1], groups, name, target)
        label = EXPLAIN_METHODS.get(name).label
        col.plotly_chart(signed_bars({k: float(v[0]) for k, v in values.items()}, label),
                         key=f"row-{name}")  # fmt: skip
    st.subheader(t("explain_views.whole_split"))
    st.caption(t("explain_views.mean_abs"))
    cols = st.columns(len(methods))
    for col, name in zip(cols, methods, strict=True):
        values = global_importance(model, ds.x["test"], groups, name, target)
        col.plotly_chart(signed_bars(values, EXPLAIN_METHODS.get(name).label), key=f"all-{name}")


def explain_series(model, ds) -> None:
    """A heat strip (time step × feature) of what drove one forecast step of one test window."""
    from lepton_core.explain.tabular import explain_window

    meta, n_test = ds.meta, len(ds.y["test"])
    c1, c2, c3 = st.columns([1, 1, 2])
    window = int(c1.number_input(t("explain_views.test_window"), 0, n_test - 1, 0))
    step = int(c2.number_input(t("explain_views.forecast_step"), 1, meta["horizon"], 1)) - 1
    methods = _methods(model, ("integrated-gradients", "saliency", "feature-ablation"), c3)
    start = ds.extra.times["test"][window]
    st.caption(t("explain_views.strip_note", window=window, start=start, step=step + 1))
    for name in methods:
        attr = explain_window(model, ds.x["test"][window], name, step)
        fig = heat_strip(attr, meta["features"], EXPLAIN_METHODS.get(name).label)
        st.plotly_chart(fig, key=f"strip-{name}")
