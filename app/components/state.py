"""Per-session choices (data, run) kept in session_state and the URL; shared engine handles."""

import json

import streamlit as st

DEFAULT_DATA = "digits"


@st.cache_resource
def store():
    """The RunStore (safe to share: every call opens its own SQLite connection)."""
    from lepton_core.runs import RunStore

    return RunStore()


@st.cache_resource
def executor():
    """The worker-process executor for this server."""
    from lepton_core.runs import LocalExecutor

    return LocalExecutor(store())


@st.cache_resource(max_entries=6, show_spinner="Loading data…")
def _dataset(source: str, options_json: str):
    from lepton_core.data import load_dataset

    return load_dataset(source, **json.loads(options_json))


def dataset(source: str, options: dict):
    """A LabDataset, cached by source and options (uploads are content-addressed paths)."""
    return _dataset(source, json.dumps(options, sort_keys=True))


@st.cache_resource(max_entries=8)
def run_model(run_id: str, finished: float):
    """The best checkpoint of a finished run (keyed by finish time, so a rerun reloads)."""
    from lepton_core.api import load_run

    return load_run(run_id, store()).model()


def data_choice() -> tuple[str, dict, str]:
    """(source, options, label) of the data chosen on the Data page, digits by default."""
    s = st.session_state
    return (
        s.get("data_source", DEFAULT_DATA),
        s.get("data_options", {}),
        s.get("data_label", DEFAULT_DATA),
    )


def set_data_choice(source: str, options: dict, label: str) -> None:
    """Remember the chosen data for the other pages."""
    st.session_state.update(data_source=source, data_options=options, data_label=label)


def sync_run_id() -> str | None:
    """The current run id: from the URL (?run=ID) or this session; kept in both."""
    run_id = st.query_params.get("run") or st.session_state.get("run_id")
    if run_id:
        st.session_state.run_id = run_id
        if st.query_params.get("run") != run_id:
            st.query_params["run"] = run_id
    return run_id


def set_run_id(run_id: str) -> None:
    """Make `run_id` the current run."""
    st.session_state.run_id = run_id
    st.query_params["run"] = run_id
