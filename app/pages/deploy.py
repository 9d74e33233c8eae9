"""Deploy: try a trained model on new inputs, shrink it, and take it away."""

import streamlit as st

from app.components.compress_view import show_compress
from app.components.export_view import show_export
from app.components.runs import describe, pick_run_or_stop
from app.components.state import store, sync_run_id
from app.components.try_it import try_it
from lepton_core.api import load_run

UNFINISHED = {
    "queued": "is waiting to start",
    "running": "is still training",
    "failed": "failed",
    "interrupted": "was interrupted before it finished",
}

st.title("Deploy")
st.caption("Try the model on inputs of your own, make it smaller, and export it to run elsewhere.")

current = sync_run_id()
if current:
    try:
        waiting = store().get(current)
    except ValueError:
        waiting = None
    if waiting is not None and waiting.status in UNFINISHED:
        st.warning(
            f"Run {describe(waiting)} {UNFINISHED[waiting.status]}, so there is no model "
            "to try yet. Follow it (or train again) on the Train page; below is the "
            "latest finished run instead."
        )
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")

rec = pick_run_or_stop()
run = load_run(rec.id)
try_tab, compress_tab, export_tab = st.tabs(["Try it", "Compress", "Export"])
with try_tab:
    try_it(run)
with compress_tab:
    show_compress(run)
with export_tab:
    show_export(run)
