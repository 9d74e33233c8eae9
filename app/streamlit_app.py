"""Lepton Lab: the router. Pages live in app/pages; the engine in lepton_core."""

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.components.sidebar import sidebar  # noqa: E402

st.set_page_config(page_title="Lepton Lab", page_icon=":material/science:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="1 · Data", icon=":material/dataset:"),
    st.Page("pages/train.py", title="2 · Train", icon=":material/model_training:"),
    st.Page("pages/evaluate.py", title="3 · Evaluate", icon=":material/analytics:"),
    st.Page("pages/explain.py", title="4 · Explain", icon=":material/visibility:"),
    st.Page("pages/generate.py", title="5 · Generate", icon=":material/auto_awesome:"),
    st.Page("pages/deploy.py", title="6 · Deploy", icon=":material/rocket_launch:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
]

page = st.navigation(PAGES)
slot = st.sidebar.container()
try:
    page.run()
finally:  # drawn after the page, so it shows what the page just chose (even after st.stop)
    sidebar(slot)
