"""Runs: every run with its status, settings and metrics; filter, compare, rename, tag, delete."""

import streamlit as st
from streamlit.column_config import NumberColumn, TextColumn

from app.components.runs_compare import show_comparison
from app.components.state import (
    is_instructor,
    private,
    run_filter,
    set_run_id,
    store,
    sync_run_id,
    workspace,
)
from lepton_core.errors import LabInputError
from lepton_core.runs import STATUSES
from lepton_core.runs.table import (
    default_comparison,
    filter_runs,
    label,
    runs_frame,
    short_data,
)

LINKS = (
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/evaluate.py", "Evaluate", ":material/analytics:"),
    ("pages/explain.py", "Explain", ":material/visibility:"),
    ("pages/deploy.py", "Deploy", ":material/rocket_launch:"),
)

st.title("Runs")
st.caption("Every run on this server: filter them, compare several, rename, tag or delete one.")

runs_store = store()
runs_store.reconcile()  # a run whose worker is gone shows as interrupted
records = runs_store.list_runs(workspace=run_filter())  # this workspace's and published ones
if not records:
    st.info("No run yet. Train one first.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

done = st.session_state.pop("runs_done", None)  # what the last action did, shown once
if done:
    st.success(done)

f1, f2, f3, f4, f5 = st.columns([1, 1, 1, 1, 1.4])
statuses = f1.multiselect("Status", STATUSES, key="runs_status")
data = f2.multiselect("Data", sorted({short_data(r.data) for r in records}), key="runs_data")
models = f3.multiselect("Model", sorted({r.model for r in records}), key="runs_model")
tags = f4.multiselect("Tag", sorted({t for r in records for t in r.tags}), key="runs_tag")
text = f5.text_input("Search", placeholder="name, id, data, model…", key="runs_text")
shown = filter_runs(records, statuses, data, models, tags, text)
st.caption(f"{len(shown)} of {len(records)} runs. Click a column header to sort.")
st.dataframe(
    runs_frame(shown),
    hide_index=True,
    key="runs_table",
    column_config={
        "run_id": TextColumn("run id"),
        "metric": TextColumn("headline metric"),
        "epochs_done": NumberColumn("epochs done"),
        "batch_size": NumberColumn("batch size"),
        "model_options": TextColumn("model options"),
        "lr": NumberColumn("lr", format="%.2g"),
        "weight_decay": NumberColumn("weight decay", format="%.2g"),
        "value": NumberColumn("value", format="%.4g"),
        "seconds": NumberColumn("seconds", format="%.1f"),
    },
)
by_id = {r.id: r for r in shown}
if not shown:
    st.stop()

st.subheader("Compare runs")
default = default_comparison(shown)
chosen = st.multiselect(
    "Runs to compare", list(by_id), default=default if len(default) > 1 else None,
    format_func=lambda i: label(by_id[i]), key="runs_compare",
)  # fmt: skip
if len(chosen) >= 2:
    show_comparison(runs_store, [by_id[i] for i in chosen])
else:
    st.caption("Pick two runs or more.")

st.subheader("Manage a run")
ids = list(by_id)
current = sync_run_id()
picked = st.selectbox(
    "Run", ids, index=ids.index(current) if current in ids else 0,
    format_func=lambda i: f"{label(by_id[i])} · {by_id[i].status}", key="runs_manage",
    on_change=lambda: set_run_id(st.session_state.runs_manage),  # a pick, not a filter
)  # fmt: skip
rec = by_id[picked]
links = st.columns(len(LINKS))
for col, (page, name, icon) in zip(links, LINKS, strict=True):
    col.page_link(page, label=name, icon=icon, query_params={"run": rec.id})
if rec.error:
    st.warning(f"{rec.status}: {rec.error}")
if private() and rec.workspace != workspace():
    st.info("Published by your instructor: open it and compare it; only its owner can change it.")
    st.stop()
if is_instructor():
    from lepton_core.runs.workspaces import publish

    shared = st.toggle(
        "Published to every workspace", value=rec.published, key=f"runs_publish_{rec.id}",
        help="participants see a published run beside their own, read-only",
    )  # fmt: skip
    if shared != rec.published:
        publish(runs_store, rec.id, shared)
        st.session_state.runs_done = "Published." if shared else "No longer published."
        st.rerun()

c1, c2 = st.columns(2)
with c1.form("runs_rename_form"):
    name = st.text_input("Name", value=rec.name, key=f"runs_name_{rec.id}")
    if st.form_submit_button("Rename"):
        runs_store.rename(rec.id, " ".join(name.split()))
        st.session_state.runs_done = (
            f"Renamed to {name.strip()!r}." if name.strip() else "Name removed."
        )
        st.rerun()
with c2.form("runs_tags_form"):
    tag_text = st.text_input(
        "Tags (comma-separated)", value=", ".join(rec.tags), key=f"runs_tags_{rec.id}"
    )
    if st.form_submit_button("Save tags"):
        try:
            saved = runs_store.set_tags(rec.id, tag_text.split(","))
        except LabInputError as e:
            st.error(str(e))
        else:
            st.session_state.runs_done = f"Tags: {', '.join(saved) or 'none'}."
            st.rerun()

d1, d2 = st.columns(2)
config_file = runs_store.folder(rec.id) / "config.json"
d1.download_button(
    "Download config.json", config_file.read_text() if config_file.exists() else "{}",
    file_name=f"config-{rec.id}.json", mime="application/json", icon=":material/download:",
)  # fmt: skip
d1.caption(f"`lepton train --config config-{rec.id}.json` trains this run again.")
if d2.button("Delete run…", icon=":material/delete:", key="runs_delete"):
    st.session_state.runs_confirm = rec.id
if st.session_state.get("runs_confirm") == rec.id:
    st.warning(f"Delete {label(rec)} for good? Its record and its files go.")
    y, n = st.columns(2)
    if y.button("Yes, delete it", type="primary", key="runs_delete_yes"):
        del st.session_state.runs_confirm
        try:
            runs_store.delete(rec.id)
        except LabInputError as e:
            st.error(str(e))
        else:
            st.session_state.runs_done = f"Deleted {label(rec)}."
            st.query_params.pop("run", None)
            st.session_state.pop("run_id", None)
            st.rerun()
    if n.button("Keep it", key="runs_delete_no"):
        del st.session_state.runs_confirm
        st.rerun()
