"""The Deploy page's "Try it" tab: new inputs in, prediction, probabilities and explanation out.

One Predictor per session (st.session_state, never a global cache: it holds one user's run), so a
redraw on the canvas does not reload the model. The inputs per kind are in try_image, try_table
and try_series.
"""

import streamlit as st

from app.components.charts import probability_bars
from app.i18n import t
from lepton_core.errors import LabInputError

KEPT_PREDICTORS = 2  # runs whose loaded models a session keeps while switching between them


def predictor(run):
    """The run's Predictor, loaded once per session and run (reloaded if the run changes)."""
    from lepton_core.predict import Predictor

    cache = st.session_state.setdefault("try_predictors", {})
    key = (run.id, run.record.finished)
    if key not in cache:
        while len(cache) >= KEPT_PREDICTORS:
            cache.pop(next(iter(cache)))
        cache[key] = Predictor.from_run(run)
    return cache[key]


def method_choice(model, preferred: tuple[str, ...], key: str) -> str | None:
    """A select box of the explanation methods valid for `model`, starting at the first
    preferred one it supports; returns the chosen name."""
    from lepton_core.explain import EXPLAIN_METHODS, list_methods

    names = list_methods(model)
    if not names:
        return None
    index = next((names.index(n) for n in preferred if n in names), 0)
    name = st.selectbox(
        t("try_it.explanation"),
        names,
        index=index,
        key=key,
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )
    st.caption(EXPLAIN_METHODS.get(name).description)
    return name


def show_classes(pred, row: int = 0) -> None:
    """The predicted class in large type, its probability, and bars of all classes."""
    probs = pred.probs[row]
    best = int(probs.argmax())
    st.metric(
        t("try_it.prediction"),
        pred.labels[row],
        t("try_it.sure", p=probs[best]),
        delta_color="off",
        delta_arrow="off",
    )
    st.plotly_chart(probability_bars(probs, pred.classes, highlight=best), key="try-probs")


def try_it(run) -> None:
    """The whole tab for one run: refuses what cannot be tried, else the inputs of its kind."""
    task = run.config.task
    if task == "image-generation":
        st.info(t("try_it.vae_info"))
        st.page_link(
            page="pages/generate.py", label=t("try_it.go_generate"), icon=":material/auto_awesome:"
        )
        return
    try:
        p = predictor(run)
    except LabInputError as e:
        st.error(t("try_it.cannot_try", error=e))
        st.page_link(
            page="pages/train.py", label=t("try_it.go_train"), icon=":material/model_training:"
        )
        return
    if p.kind == "image":
        from app.components.try_image import try_image

        try_image(run, p)
    elif p.kind == "table":
        from app.components.try_table import try_table

        try_table(run, p)
    else:
        from app.components.try_series import try_series

        try_series(run, p)
