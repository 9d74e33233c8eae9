"""Runs: every run with its status, settings and metrics; filter, compare, rename, tag, delete."""

import streamlit as st
from streamlit.column_config import Column, NumberColumn, TextColumn

from app.components.runs import status_name
from app.components.runs_compare import show_comparison
from app.components.state import (
    is_instructor,
    owns,
    run_filter,
    set_run_id,
    store,
    sync_run_id,
)
from app.i18n import t
from lepton_core.errors import LabInputError
from lepton_core.runs import STATUSES
from lepton_core.runs.table import (
    COLUMNS,
    default_comparison,
    filter_runs,
    label,
    runs_frame,
    short_data,
)

LINKS = (  # (page, icon); the label is "page_runs.links.<page's stem>"
    ("pages/train.py", ":material/model_training:"),
    ("pages/evaluate.py", ":material/analytics:"),
    ("pages/explain.py", ":material/visibility:"),
    ("pages/deploy.py", ":material/rocket_launch:"),
)
NUMBER_FORMATS = {"epochs_done": None, "batch_size": None, "lr": "%.2g", "weight_decay": "%.2g",
                  "value": "%.4g", "seconds": "%.1f"}  # fmt: skip
TEXT_COLUMNS = ("run_id", "metric", "model_options")


def column(name: str):
    """The Runs table's column `name`, titled in the session's language."""
    title = t(f"page_runs.columns.{name}")
    if name in NUMBER_FORMATS:
        return NumberColumn(title, format=NUMBER_FORMATS[name])
    return TextColumn(title) if name in TEXT_COLUMNS else Column(title)


st.title(t("page_runs.title"))
st.caption(t("page_runs.caption"))

runs_store = store()
runs_store.reconcile()  # a run whose worker is gone shows as interrupted
records = runs_store.list_runs(workspace=run_filter())  # this workspace's and published ones
if not records:
    st.info(t("page_runs.no_run"))
    st.page_link(
        page="pages/train.py", label=t("page_runs.go_train"), icon=":material/model_training:"
    )
    st.stop()

done = st.session_state.pop("runs_done", None)  # what the last action did, shown once
if done:
    st.success(done)

f1, f2, f3, f4, f5 = st.columns([1, 1, 1, 1, 1.4])
statuses = f1.multiselect(
    t("page_runs.status"), STATUSES, key="runs_status", format_func=status_name
)
data = f2.multiselect(
    t("page_runs.data"), sorted({short_data(r.data) for r in records}), key="runs_data"
)
models = f3.multiselect(t("page_runs.model"), sorted({r.model for r in records}), key="runs_model")
all_tags = sorted({tag for r in records for tag in r.tags})
tags = f4.multiselect(t("page_runs.tag"), all_tags, key="runs_tag")
text = f5.text_input(
    t("page_runs.search"), placeholder=t("page_runs.search_placeholder"), key="runs_text"
)
shown = filter_runs(records, statuses, data, models, tags, text)
st.caption(t("page_runs.count", shown=len(shown), total=len(records)))
st.dataframe(
    runs_frame(shown),
    hide_index=True,
    key="runs_table",
    column_config={name: column(name) for name in COLUMNS},
)
by_id = {r.id: r for r in shown}
if not shown:
    st.stop()

st.subheader(t("page_runs.compare"))
default = default_comparison(shown)
chosen = st.multiselect(
    t("page_runs.to_compare"), list(by_id), default=default if len(default) > 1 else None,
    format_func=lambda i: label(by_id[i]), key="runs_compare",
)  # fmt: skip
if len(chosen) >= 2:
    show_comparison(runs_store, [by_id[i] for i in chosen])
else:
    st.caption(t("page_runs.pick_two"))

st.subheader(t("page_runs.manage"))
ids = list(by_id)
current = sync_run_id()
picked = st.selectbox(
    t("page_runs.run"), ids, index=ids.index(current) if current in ids else 0,
    format_func=lambda i: f"{label(by_id[i])} · {status_name(by_id[i].status)}", key="runs_manage",
    on_change=lambda: set_run_id(st.session_state.runs_manage),  # a pick, not a filter
)  # fmt: skip
rec = by_id[picked]
links = st.columns(len(LINKS))
for col, (page, icon) in zip(links, LINKS, strict=True):
    name = t(f"page_runs.links.{page.removeprefix('pages/').removesuffix('.py')}")
    col.page_link(page=page, label=name, icon=icon, query_params={"run": rec.id})
if rec.error:
    st.warning(f"{status_name(rec.status)}: {rec.error}")
if not owns(rec):
    st.info(t("page_runs.published_elsewhere"))
    st.stop()
if is_instructor():
    from lepton_core.runs.workspaces import publish

    shared = st.toggle(
        t("page_runs.publish"), value=rec.published, key=f"runs_publish_{rec.id}",
        help=t("page_runs.publish_help"),
    )  # fmt: skip
    if shared != rec.published:
        publish(runs_store, rec.id, shared)
        st.session_state.runs_done = t("page_runs.published" if shared else "page_runs.unpublished")
        st.rerun()

c1, c2 = st.columns(2)
with c1.form("runs_rename_form"):
    name = st.text_input(t("page_runs.name"), value=rec.name, key=f"runs_name_{rec.id}")
    if st.form_submit_button(t("page_runs.rename")):
        runs_store.rename(rec.id, " ".join(name.split()))
        st.session_state.runs_done = (
            t("page_runs.renamed", name=name.strip())
            if name.strip()
            else t("page_runs.name_removed")
        )
        st.rerun()
with c2.form("runs_tags_form"):
    tag_text = st.text_input(
        t("page_runs.tags"), value=", ".join(rec.tags), key=f"runs_tags_{rec.id}"
    )
    if st.form_submit_button(t("page_runs.save_tags")):
        try:
            saved = runs_store.set_tags(rec.id, tag_text.split(","))
        except LabInputError as e:
            st.error(str(e))
        else:
            tag_list = ", ".join(saved) or t("page_runs.no_tags")
            st.session_state.runs_done = t("page_runs.tags_saved", tags=tag_list)
            st.rerun()

d1, d2 = st.columns(2)
config_file = runs_store.folder(rec.id) / "config.json"
d1.download_button(
    t("page_runs.download"), config_file.read_text() if config_file.exists() else "{}",
    file_name=f"config-{rec.id}.json", mime="application/json", icon=":material/download:",
)  # fmt: skip
d1.caption(t("page_runs.train_again", run_id=rec.id))
if d2.button(t("page_runs.delete"), icon=":material/delete:", key="runs_delete"):
    st.session_state.runs_confirm = rec.id
if st.session_state.get("runs_confirm") == rec.id:
    st.warning(t("page_runs.confirm", run=label(rec)))
    y, n = st.columns(2)
    if y.button(t("page_runs.yes"), type="primary", key="runs_delete_yes"):
        del st.session_state.runs_confirm
        try:
            runs_store.delete(rec.id)
        except LabInputError as e:
            st.error(str(e))
        else:
            st.session_state.runs_done = t("page_runs.deleted", run=label(rec))
            st.query_params.pop("run", None)
            st.session_state.pop("run_id", None)
            st.rerun()
    if n.button(t("page_runs.keep"), key="runs_delete_no"):
        del st.session_state.runs_confirm
        st.rerun()
