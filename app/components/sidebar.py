"""Sidebar: the chosen data and the current run's status, on every page."""

import streamlit as st

from app.components.state import data_choice, store, sync_run_id

STATUS_ICON = {
    "queued": ":material/schedule:",
    "running": ":material/directions_run:",
    "done": ":material/check_circle:",
    "failed": ":material/error:",
    "cancelled": ":material/stop_circle:",
    "interrupted": ":material/warning:",
}


def sidebar(slot) -> None:
    """Show what the session is working on, in `slot` (a sidebar container)."""
    with slot:
        _, _, label = data_choice()
        st.caption(f"**Data:** {label}")
        run_id = sync_run_id()
        if run_id:
            try:
                rec = store().get(run_id)
            except ValueError:
                st.caption(f"Run {run_id} not found")
                return
            status = "in progress" if rec.status in ("queued", "running") else rec.status
            acc = rec.metrics.get("test_accuracy")
            acc_text = f" · acc {acc:.1%}" if acc is not None else ""
            icon, what = STATUS_ICON.get(rec.status, ""), rec.name or rec.model
            st.caption(f"**Run:** {icon} {what} {status}{acc_text}")
