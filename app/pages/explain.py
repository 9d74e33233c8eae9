"""Explain: what drove the model: image heatmaps, per-feature bars, time-step heat strips."""

import streamlit as st

from app.components.explain_views import explain_images, explain_series, explain_table
from app.components.runs import pick_run_or_stop
from app.components.state import dataset, run_model
from app.i18n import t
from lepton_core.api import load_run

st.title(t("page_explain.title"))
st.caption(t("page_explain.caption"))

rec = pick_run_or_stop()

if rec.task == "image-generation":
    st.info(t("page_explain.vae_info"))
    st.page_link(
        page="pages/generate.py",
        label=t("page_explain.go_generate"),
        icon=":material/auto_awesome:",
    )
    st.stop()

run = load_run(rec.id)
model = run_model(rec.id, rec.finished or 0.0)
ds = dataset(run.config.data.source, run.config.data.options)

if ds.is_image:
    explain_images(rec.id, rec.finished or 0.0, model, ds)
elif ds.task == "forecasting":
    explain_series(model, ds)
else:
    explain_table(model, ds)
