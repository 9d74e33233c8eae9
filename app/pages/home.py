"""Home: what Lepton Lab is and its steps."""

import streamlit as st

from app.components.preset_view import preset, preset_problem

st.title("Lepton Lab")
if problem := preset_problem():
    st.warning(problem)
if preset().welcome:
    with st.container(border=True):
        st.markdown(preset().welcome)
st.markdown(
    "Train a small neural network in your browser, watch it learn, and see **why** it decides. "
    "Start with a built-in dataset or upload your own images, tables or time series."
)

steps = [
    (
        "pages/data.py",
        "1 · Data",
        ":material/dataset:",
        "Pick a built-in set, or upload a zip of class folders or a CSV.",
    ),
    (
        "pages/train.py",
        "2 · Train",
        ":material/model_training:",
        "Choose a network (CNN, MLP, LSTM/GRU, VAE) and train it; the curves update live.",
    ),
    (
        "pages/evaluate.py",
        "3 · Evaluate",
        ":material/analytics:",
        "Honest test metrics, each beside the baseline it must beat.",
    ),
    (
        "pages/explain.py",
        "4 · Explain",
        ":material/visibility:",
        "What drove each prediction: pixels, columns or time steps.",
    ),
    (
        "pages/generate.py",
        "5 · Generate",
        ":material/auto_awesome:",
        "A VAE's reconstructions, samples and latent space.",
    ),
    (
        "pages/deploy.py",
        "6 · Deploy",
        ":material/rocket_launch:",
        "Try it on a drawing, a photo or a row; shrink it to int8; export a bundle that runs "
        "anywhere.",
    ),
]
steps = [step for step in steps if preset().shows(step[0])]
for row in (steps[:3], steps[3:]):
    if not row:
        continue
    for col, (path, label, icon, text) in zip(st.columns(len(row)), row, strict=True):
        with col.container(border=True):
            st.page_link(path, label=label, icon=icon)
            st.caption(text)

if preset().offers("digits"):
    st.info(
        "New here? Go to **1 · Data**: handwritten digits are already selected, "
        "so you can go straight on."
    )
if st.button("Start with the digits →" if preset().offers("digits") else "Start →", type="primary"):
    st.switch_page("pages/data.py")
