"""Per-session choices (data, run) kept in session_state and the URL; shared engine handles."""

import json
import os
import time
from pathlib import Path

import streamlit as st

from app.components.preset_view import preset
from app.i18n import t

DEFAULT_DATA = "digits"
PRIVATE_ENV = "LEPTON_PRIVATE_WORKSPACES"  # "1": every browser session gets its own workspace


@st.cache_resource
def store():
    """The RunStore (safe to share: every call opens its own SQLite connection)."""
    from lepton_core.runs import RunStore

    return RunStore()


@st.cache_resource
def executor():
    """This server's executor (local worker processes, or Ray: see make_executor), with its
    per-job caps (environment and preset)."""
    from lepton_core.runs import make_executor
    from lepton_core.runs.caps import JobCaps

    pool = make_executor(store(), caps=JobCaps.from_env(preset().limits))
    pool.recover()  # runs left by a stopped server: interrupted if running, started if queued
    if private():
        quota()  # its first use removes workspaces unused for too long: at the server's start
    return pool


def private() -> bool:
    """Whether each browser session has its own workspace (a workshop), else all share one."""
    return bool(preset().workshop.get("private_workspaces")) or os.environ.get(PRIVATE_ENV) == "1"


def workspace() -> str:
    """This session's workspace: from the URL (?ws=) or the session, else a new random one.

    Without private workspaces everyone works in "local", as on a laptop.
    """
    from lepton_core.runs.store import LOCAL
    from lepton_core.runs.workspaces import NAME, new_workspace_id, touch

    if not private():
        return LOCAL
    s = st.session_state
    ws = s.get("workspace") or st.query_params.get("ws")
    if not ws or ws == LOCAL or not NAME.match(ws):  # "local" holds the CLI's runs
        ws = new_workspace_id()
    s.workspace = ws
    if st.query_params.get("ws") != ws:
        st.query_params["ws"] = ws
    if time.monotonic() - s.get("ws_touched", -1e9) > 60:  # last seen, for the cleanup
        touch(store(), ws)
        s.ws_touched = time.monotonic()
    return ws


# what a session chose in its workspace: forgotten when it switches to another one
WORKSPACE_STATE = (
    "run_id", "data_source", "data_options", "data_label", "saved_upload", "shared_setup",
    "builtin_dataset", "data_kind", "runs_confirm", "zip_upload", "dir_upload", "csv_upload",
)  # fmt: skip


def set_workspace(ws: str) -> None:
    """Switch this session to workspace `ws` (a typed name or an id); forget the run and data."""
    for key in WORKSPACE_STATE:
        st.session_state.pop(key, None)
    st.session_state.update(workspace=ws, ws_touched=-1e9)
    st.query_params.pop("run", None)
    st.query_params["ws"] = ws


@st.cache_resource
def quota():
    """Per-workspace quotas (environment, then the preset's [workshop])."""
    from lepton_core.runs.workspaces import Quota, cleanup

    limits = Quota.from_env(preset().workshop)
    cleanup(store(), limits.max_age_days)  # once per server start: old workspaces go
    return limits


def upload_folder(data: bytes | int):
    """Where an upload (its bytes, or its size) goes: this workspace's folder when workspaces
    are private (None: the shared default). LabInputError when it would pass the quota; an
    upload already stored there (the same bytes again, a rerun) is not counted twice."""
    if not private():
        return None
    from lepton_core.data.uploads import content_id
    from lepton_core.runs.workspaces import check_quota, uploads_dir

    folder = uploads_dir(store(), workspace())
    if isinstance(data, bytes) and any(folder.glob(f"{content_id(data)}.*")):
        return folder
    size = data if isinstance(data, int) else len(data)
    check_quota(store(), workspace(), quota(), adding_mb=max(size, 1) / 1e6)
    return folder


def run_filter() -> str | None:
    """The workspace to list runs for (None: everything, when workspaces are not private)."""
    return workspace() if private() else None


def is_instructor() -> bool:
    """The instructor's workspace (named in the preset) may publish runs to everyone."""
    return private() and workspace() == preset().workshop.get("instructor")


def owns(rec) -> bool:
    """Whether this session may change a run (cancel, resume, rename, delete): its own."""
    return not private() or rec.workspace == workspace()


def can_see(rec) -> bool:
    """Whether this session may see a run."""
    from lepton_core.runs.workspaces import visible

    return not private() or visible(rec, workspace())


@st.cache_resource(max_entries=6, show_spinner=False)  # the spinner speaks the session's language
def _dataset(source: str, options_json: str):
    from lepton_core.data import load_dataset

    return load_dataset(source, **json.loads(options_json))


def dataset(source: str, options: dict):
    """A LabDataset, cached by source and options (uploads are content-addressed paths)."""
    with st.spinner(t("state.loading_data")):  # shows only when loading takes over 0.5 s
        return _dataset(source, json.dumps(options, sort_keys=True))


@st.cache_resource(max_entries=8)
def run_model(run_id: str, finished: float):
    """The best checkpoint of a finished run (keyed by finish time, so a rerun reloads)."""
    from lepton_core.api import load_run

    return load_run(run_id, store()).model()


def _choice_file():
    return store().home / "workspaces" / workspace() / "data_choice.json"


def data_choice() -> tuple[str, dict, str]:
    """(source, options, label) of the data chosen on the Data page, digits by default.

    A new session of the workspace (a refresh, another device) starts from its last choice,
    which is kept on disk; an upload that is gone since falls back to digits.
    """
    s = st.session_state
    if "data_source" not in s and private():
        try:
            saved = json.loads(_choice_file().read_text())
            source, options, label = saved["source"], dict(saved["options"]), str(saved["label"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        else:
            if "/" not in source or Path(source).exists():
                s.update(data_source=source, data_options=options, data_label=label)
    return (
        s.get("data_source", DEFAULT_DATA),
        s.get("data_options", {}),
        s.get("data_label", DEFAULT_DATA),
    )


def set_data_choice(source: str, options: dict, label: str) -> None:
    """Remember the chosen data for the other pages (and, in a private workspace, on disk)."""
    st.session_state.update(data_source=source, data_options=options, data_label=label)
    if private():
        path = _choice_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"source": source, "options": options, "label": label}))


def sync_run_id() -> str | None:
    """The current run id: from the URL (?run=ID) or this session; kept in both.

    A run of another workspace is never current (as if it did not exist).
    """
    from lepton_core.errors import LabInputError

    run_id = st.query_params.get("run") or st.session_state.get("run_id")
    if run_id and private():
        try:
            seen = can_see(store().get(run_id))
        except LabInputError:
            seen = True  # not found: the pages say so
        if not seen:
            st.session_state.pop("run_id", None)
            st.query_params.pop("run", None)
            return None
    if run_id:
        st.session_state.run_id = run_id
        if st.query_params.get("run") != run_id:
            st.query_params["run"] = run_id
    return run_id


def set_run_id(run_id: str) -> None:
    """Make `run_id` the current run."""
    st.session_state.run_id = run_id
    st.query_params["run"] = run_id
