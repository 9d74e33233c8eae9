"""Evaluate: honest test-split metrics of a finished run."""

import streamlit as st

from app.components.eval_views import (
    show_classification,
    show_forecast,
    show_generation,
    show_regression,
)
from app.components.finetune_view import show_finetune
from app.components.runs import pick_run_or_stop
from app.i18n import t
from lepton_core.api import load_run
from lepton_core.errors import LabInputError

st.title(t("page_evaluate.title"))
st.caption(t("page_evaluate.caption"))

rec = pick_run_or_stop()

m = rec.metrics
run = load_run(rec.id)
try:
    ev = run.evaluation()
except LabInputError as e:
    st.warning(str(e))
    st.stop()
show_finetune(rec.id)  # a fine-tuned run: what it started from, beside its from-scratch twin
if "latent" in ev:
    show_generation(run, m, ev)
elif "probs" in ev:
    show_classification(run, m, ev)
elif "naive" in ev:
    show_forecast(run, m, ev)
else:
    show_regression(m, ev)
