"""Generate: what a trained VAE draws, and how its latent space is organised."""

import streamlit as st

from app.components.generate_views import (
    interpolation,
    latent_explanation,
    reconstructions,
    samples,
    score_cards,
    traversal,
    vae_view,
)
from app.components.latent_map import latent_map
from app.components.runs import pick_run_or_stop
from app.components.state import dataset, run_model
from app.i18n import t
from lepton_core.api import load_run
from lepton_core.errors import LabInputError

st.title(t("page_generate.title"))
st.caption(t("page_generate.intro"))
rec = pick_run_or_stop(("image-generation",), t("page_generate.no_run"))

try:
    run = load_run(rec.id)
    model = run_model(rec.id, rec.finished or 0.0)
    ds = dataset(run.config.data.source, run.config.data.options)
    view = vae_view(rec.id, rec.finished or 0.0, model, ds)
except LabInputError as e:
    st.error(t("page_generate.cannot_show", error=e))
    st.stop()

score_cards(rec.metrics, ds)
reconstructions(view)
samples(view)
latent_map(view)
interpolation(view)
traversal(view)
latent_explanation(view)
