"""Timing lines for bench/workshop.py: with LEPTON_TIMING_LOG set, the router appends each full
page run's duration, and the live view each of its refreshes, as JSON lines. Off otherwise."""

import json
import os
import secrets
import time

import streamlit as st

TIMING_LOG = os.environ.get("LEPTON_TIMING_LOG")


def log_timing(**fields) -> None:
    """Append one line with `fields`, this session's id and the time (if the log is on)."""
    if TIMING_LOG:
        session = st.session_state.setdefault("_timing_session", secrets.token_hex(4))
        line = json.dumps(fields | {"session": session, "at": time.time()})
        with open(TIMING_LOG, "a") as log:
            log.write(line + "\n")
