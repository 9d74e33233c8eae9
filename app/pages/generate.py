"""Generate: what a trained VAE draws (placeholder, being built)."""

import streamlit as st

from app.components.runs import pick_run_or_stop

st.title("Generate")
rec = pick_run_or_stop(("image-generation",), "No VAE run yet. Train model `vae` on image data.")
