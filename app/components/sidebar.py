"""Sidebar: language, workspace, the chosen data and the current run's status, on every page."""

import streamlit as st

from app.components.runs import status_name
from app.components.state import (
    data_choice,
    is_instructor,
    private,
    set_workspace,
    store,
    sync_run_id,
    workspace,
)
from app.i18n import language_picker, t
from lepton_core.errors import LabInputError

STATUS_ICON = {
    "queued": ":material/schedule:",
    "running": ":material/directions_run:",
    "done": ":material/check_circle:",
    "failed": ":material/error:",
    "cancelled": ":material/stop_circle:",
    "interrupted": ":material/warning:",
}


def _workspace_box() -> None:
    ws = workspace()
    role = t("sidebar.instructor") if is_instructor() else ""
    st.caption(t("sidebar.workspace", ws=ws, role=role))
    with st.popover(t("sidebar.switch"), icon=":material/badge:", use_container_width=True):
        st.caption(t("sidebar.private_note"))
        with st.form("ws_form", border=False):
            name = st.text_input(t("sidebar.name"), placeholder=t("sidebar.name_placeholder"))
            if st.form_submit_button(t("sidebar.open")):
                from lepton_core.runs.workspaces import workspace_name

                try:
                    set_workspace(workspace_name(name))
                except LabInputError as e:
                    st.error(str(e))
                else:
                    st.rerun()


def _run_status() -> None:
    run_id = sync_run_id()
    if not run_id:
        return
    try:
        rec = store().get(run_id)
    except LabInputError:
        st.caption(t("sidebar.run_not_found", run_id=run_id))
        return
    active = rec.status in ("queued", "running")
    status = t("sidebar.in_progress") if active else status_name(rec.status)
    if rec.status == "queued" and (place := store().queue_position(rec.id)):
        status = t("sidebar.waiting", place=place)
    acc = rec.metrics.get("test_accuracy")
    acc_text = t("sidebar.acc", acc=acc) if acc is not None else ""
    icon, what = STATUS_ICON.get(rec.status, ""), rec.name or rec.model
    st.caption(t("sidebar.run", icon=icon, what=what, status=status, acc=acc_text))


def sidebar(slot) -> None:
    """Show what the session is working on, in `slot` (a sidebar container)."""
    with slot:
        language_picker()
        if private():
            _workspace_box()
        _, _, label = data_choice()
        st.caption(t("sidebar.data", label=label))
        _run_status()
