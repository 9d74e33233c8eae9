"""Sidebar: language, workspace, the chosen data and the current run's status, on every page."""

import streamlit as st

from app.components.state import (
    data_choice,
    is_instructor,
    private,
    set_workspace,
    store,
    sync_run_id,
    workspace,
)
from app.i18n import language_picker
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
    role = " · instructor" if is_instructor() else ""
    st.caption(f"**Workspace:** `{ws}`{role}")
    with st.popover("Switch workspace", icon=":material/badge:", use_container_width=True):
        st.caption(
            "Your runs and uploads are private to this workspace. Keep this page's link "
            "(it holds the workspace) or type a name to come back to it on any device."
        )
        with st.form("ws_form", border=False):
            name = st.text_input("Workspace name", placeholder="e.g. ana-lima")
            if st.form_submit_button("Open"):
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
        st.caption(f"Run {run_id} not found")
        return
    status = "in progress" if rec.status in ("queued", "running") else rec.status
    if rec.status == "queued" and (place := store().queue_position(rec.id)):
        status = f"waiting, #{place} in the queue"
    acc = rec.metrics.get("test_accuracy")
    acc_text = f" · acc {acc:.1%}" if acc is not None else ""
    icon, what = STATUS_ICON.get(rec.status, ""), rec.name or rec.model
    st.caption(f"**Run:** {icon} {what} {status}{acc_text}")


def sidebar(slot) -> None:
    """Show what the session is working on, in `slot` (a sidebar container)."""
    with slot:
        language_picker()
        if private():
            _workspace_box()
        _, _, label = data_choice()
        st.caption(f"**Data:** {label}")
        _run_status()
