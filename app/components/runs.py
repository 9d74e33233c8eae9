"""Picking a run, and the run's one-line description."""

import time

import streamlit as st

from app.components.state import run_filter, set_run_id, store, sync_run_id
from app.i18n import catalog, t


def status_name(status: str) -> str:
    """A run status ("done", "running", ...) in the session's language."""
    key = f"runs.status.{status}"
    return t(key) if key in catalog("en") else status


def describe(rec) -> str:
    """e.g. `digits · cnn · done · acc 0.993 · 20261129-…`."""
    acc, sse = rec.metrics.get("test_accuracy"), rec.metrics.get("test_recon_sse")
    when = time.strftime("%H:%M", time.localtime(rec.created))
    bits = [rec.name] if rec.name else [rec.data.split("/")[-1], rec.model]
    bits.append(status_name(rec.status))
    if acc is not None:
        bits.append(t("runs.acc", acc=acc))
    if sse is not None:
        bits.append(t("runs.sq_error", sse=sse))
    return " · ".join(bits) + f" · {when} · {rec.id[-6:]}"


def pick_run(
    label: str | None = None,
    statuses: tuple[str, ...] = ("done", "cancelled"),
    tasks: tuple[str, ...] | None = None,
):
    """A selectbox of finished runs (of `tasks`, if given), defaulting to the current one.

    Returns the record, or None when there is none.
    """
    runs = [
        r
        for r in store().list_runs(limit=200, workspace=run_filter())
        if r.status in statuses and (tasks is None or r.task in tasks)
    ]
    if not runs:
        return None
    current = sync_run_id()
    ids = [r.id for r in runs]
    index = ids.index(current) if current in ids else 0
    by_id = {r.id: r for r in runs}
    chosen = st.selectbox(
        label or t("runs.run"), ids, index=index, format_func=lambda i: describe(by_id[i])
    )
    if chosen != current:
        set_run_id(chosen)
    return by_id[chosen]


def pick_run_or_stop(tasks: tuple[str, ...] | None = None, missing: str = ""):
    """pick_run(), or a pointer to the Train page (and stop the page) when nothing is finished."""
    rec = pick_run(tasks=tasks)
    if rec is None:
        st.info(missing or t("runs.no_run"))
        st.page_link(
            page="pages/train.py", label=t("runs.go_train"), icon=":material/model_training:"
        )
        st.stop()
    return rec
