"""Home: what Lepton Lab is and the four steps."""

import streamlit as st

st.title("Lepton Lab")
st.markdown(
    "Train a small neural network in your browser, watch it learn, and see **why** it decides. "
    "Start with a built-in dataset or upload your own images."
)

steps = [
    (
        "pages/data.py",
        "1 · Data",
        ":material/dataset:",
        "Pick built-in digits or shapes, or upload a zip of class folders.",
    ),
    (
        "pages/train.py",
        "2 · Train",
        ":material/model_training:",
        "Choose a network and train it; the curves update live.",
    ),
    (
        "pages/evaluate.py",
        "3 · Evaluate",
        ":material/analytics:",
        "Test accuracy, per-class scores, confusions, mistakes.",
    ),
    (
        "pages/explain.py",
        "4 · Explain",
        ":material/visibility:",
        "Heatmaps of the pixels behind each prediction.",
    ),
]
for col, (path, label, icon, text) in zip(st.columns(4), steps, strict=True):
    with col.container(border=True):
        st.page_link(path, label=label, icon=icon)
        st.caption(text)

st.info(
    "New here? Go to **1 · Data**: handwritten digits are already selected, "
    "so you can go straight on."
)
if st.button("Start with the digits →", type="primary"):
    st.switch_page("pages/data.py")
