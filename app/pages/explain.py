"""Explain: what drove the model: image heatmaps, per-feature bars, time-step heat strips."""

import streamlit as st

from app.components.explain_views import explain_images, explain_series, explain_table
from app.components.runs import pick_run_or_stop
from app.components.state import dataset, run_model
from lepton_core.api import load_run

st.title("Explain")
st.caption("Which parts of the input drove the model's output, by several attribution methods.")

rec = pick_run_or_stop()

if rec.task == "image-generation":
    st.info(
        "This run is a VAE: it draws images rather than deciding between classes. Its "
        "explanations (which pixels drive each latent dimension) are on the Generate page."
    )
    st.page_link("pages/generate.py", label="Go to Generate", icon=":material/auto_awesome:")
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
