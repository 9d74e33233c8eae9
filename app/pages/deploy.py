"""Deploy: try a trained model on new inputs, shrink it, and take it away."""

import streamlit as st

from app.components.compress_view import show_compress
from app.components.export_view import show_export
from app.components.runs import describe, pick_run_or_stop
from app.components.state import store, sync_run_id
from app.components.try_it import try_it
from app.i18n import t
from lepton_core.api import load_run

UNFINISHED = ("queued", "running", "failed", "interrupted")  # page_deploy.unfinished.<status>

st.title(t("page_deploy.title"))
st.caption(t("page_deploy.intro"))

current = sync_run_id()
if current:
    try:
        waiting = store().get(current)
    except ValueError:
        waiting = None
    if waiting is not None and waiting.status in UNFINISHED:
        status = t(f"page_deploy.unfinished.{waiting.status}")
        st.warning(t("page_deploy.unfinished_warning", run=describe(waiting), status=status))
        st.page_link(
            page="pages/train.py", label=t("page_deploy.go_train"), icon=":material/model_training:"
        )

rec = pick_run_or_stop()
run = load_run(rec.id)
try_tab, compress_tab, export_tab = st.tabs(
    [t("page_deploy.tab.try"), t("page_deploy.tab.compress"), t("page_deploy.tab.export")]
)
with try_tab:
    try_it(run)
with compress_tab:
    show_compress(run)
with export_tab:
    show_export(run)
