"""Lepton Lab: the router. Pages live in app/pages; the engine in lepton_core."""

import sys
import time
from pathlib import Path

import streamlit as st

START = time.perf_counter()

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.components.preset_view import preset  # noqa: E402
from app.components.sidebar import sidebar  # noqa: E402
from app.components.state import executor, workspace  # noqa: E402
from app.i18n import t  # noqa: E402
from app.timing import log_timing  # noqa: E402

st.set_page_config(page_title="Lepton Lab", page_icon=":material/science:", layout="wide")

NAV = [  # (file, icon); the title is the catalogue's "nav.<file's stem>", in the session's language
    ("pages/home.py", ":material/home:"),
    ("pages/data.py", ":material/dataset:"),
    ("pages/train.py", ":material/model_training:"),
    ("pages/evaluate.py", ":material/analytics:"),
    ("pages/explain.py", ":material/visibility:"),
    ("pages/generate.py", ":material/auto_awesome:"),
    ("pages/deploy.py", ":material/rocket_launch:"),
    ("pages/runs.py", ":material/history:"),
]
# A workshop preset can hide pages from the menu; they stay registered, so links still resolve.
PAGES = [
    st.Page(
        path, title=t(f"nav.{Path(path).stem}"), icon=icon, default=path == "pages/home.py",
        visibility="visible" if preset().shows(path) else "hidden",
    )
    for path, icon in NAV
]  # fmt: skip

page = st.navigation(PAGES)
workspace()  # a private workspace's id goes in the URL before the page draws
executor()  # the first page after a server start also starts the runs left in the queue
slot = st.sidebar.container()
try:
    page.run()
finally:  # drawn after the page, so it shows what the page just chose (even after st.stop)
    sidebar(slot)
    log_timing(page=page.url_path, ms=(time.perf_counter() - START) * 1e3)
