"""AppTest fixtures: a fresh LEPTON_HOME per test and cleared Streamlit caches."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh LEPTON_HOME; the app's cached RunStore is rebuilt for it."""
    monkeypatch.setenv("LEPTON_HOME", str(tmp_path / "home"))
    st.cache_resource.clear()
    yield tmp_path / "home"
    st.cache_resource.clear()


def open_page(
    page: str, run_id: str | None = None, lang: str | None = None, ws: str | None = None
) -> AppTest:
    """Run the router, then switch to `page` (e.g. "pages/data.py"), in `lang` and workspace
    `ws` if given."""
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in (("run", run_id), ("lang", lang), ("ws", ws)):
        if value:
            at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """All markdown, captions, titles and alerts of the page, joined."""
    parts = [
        e.value for kind in ("markdown", "caption", "title", "subheader") for e in at.get(kind)
    ]
    parts += [e.value for kind in ("success", "error", "warning", "info") for e in at.get(kind)]
    return "\n".join(map(str, parts))
