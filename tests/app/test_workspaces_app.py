"""Private workspaces in the app (AppTest, real store, real uploads): what one participant
uploads and trains is not reachable from another session; the instructor can publish."""

import pytest
from streamlit.testing.v1 import AppTest

from lepton_core.api import make_config
from lepton_core.runs import RunStore
from lepton_core.runs.job import run_job
from lepton_core.runs.workspaces import publish
from tests.app.conftest import APP, open_page, texts
from tests.data.make_sample_zip import make_sample_zip


def _session(ws: str | None, page: str, run_id: str | None = None) -> AppTest:
    return open_page(page, run_id, ws=ws)


def _everything(at: AppTest) -> str:
    widgets = [*at.selectbox, *at.multiselect, *at.radio]
    options = [str(o) for w in widgets for o in getattr(w, "options", [])]
    return "\n".join([texts(at), *options, *(str(w.value) for w in widgets)])


@pytest.fixture
def workshop(home, monkeypatch, tmp_path):
    """A private-workspace server; ana uploads a zip and has a run trained on it."""
    monkeypatch.setenv("LEPTON_PRIVATE_WORKSPACES", "1")
    at = _session("ana", "pages/data.py")
    at.radio[0].set_value("Upload a .zip of class folders").run()
    data = make_sample_zip(tmp_path / "sample.zip").read_bytes()
    at.file_uploader[0].upload("sample.zip", data, "application/zip").run()
    assert not at.exception, at.exception
    uploads = list((home / "workspaces" / "ana" / "uploads").glob("*.zip"))
    assert len(uploads) == 1  # kept on disk, in ana's workspace
    store = RunStore(home)
    config = make_config(str(uploads[0]), model="seed-cnn", epochs=1)
    config.name = "ana-secret-run"
    run_id = store.create_run(config, "ana", in_process=True)
    assert run_job(store, run_id) == "done", store.get(run_id).error
    return store, run_id, uploads[0]


def test_a_new_session_gets_a_random_private_workspace_in_the_url(workshop):
    at = AppTest.from_file(APP, default_timeout=180).run()  # Home, with no ?ws= in the link
    ws = at.query_params["ws"]
    ws = ws if isinstance(ws, str) else ws[0]
    assert ws.startswith("ws-") and len(ws) == 15
    assert f"`{ws}`" in "\n".join(c.value for c in at.sidebar.caption)


def test_nothing_of_ana_is_reachable_from_ben(workshop):
    store, run_id, upload = workshop
    for page in ("pages/runs.py", "pages/evaluate.py", "pages/explain.py", "pages/deploy.py"):
        at = _session("ben", page, run_id=run_id)  # even with ana's run id in the link
        shown = _everything(at)
        assert run_id not in shown and "ana-secret-run" not in shown, page
        assert upload.name not in shown and str(upload.parent) not in shown, page
        assert "run" not in at.query_params, page  # the foreign run id is dropped
    train = _session("ben", "pages/train.py", run_id=run_id)
    assert run_id not in _everything(train) and "ana-secret-run" not in _everything(train)
    assert not (store.home / "workspaces" / "ben" / "uploads").exists() or not any(
        (store.home / "workspaces" / "ben" / "uploads").iterdir()
    )
    mine = _session("ana", "pages/runs.py")
    assert "ana-secret-run" in _everything(mine)


def test_the_instructor_publishes_a_run_everyone_sees_read_only(workshop, home, tmp_path):
    store, ana_run, _ = workshop
    preset = tmp_path / "p.toml"
    preset.write_text('[workshop]\nprivate_workspaces = true\ninstructor = "teacher"\n')
    import os

    os.environ["LEPTON_PRESET"] = str(preset)
    try:
        config = make_config("digits", model="seed-cnn", epochs=1)
        config.name = "teacher-demo"
        demo = store.create_run(config, "teacher", in_process=True)
        run_job(store, demo)
        at = _session("teacher", "pages/runs.py", run_id=demo)
        toggle = next(t for t in at.toggle if t.label == "Published to every workspace")
        toggle.set_value(True).run()
        assert not at.exception and store.get(demo).published
        ben = _session("ben", "pages/runs.py", run_id=demo)
        assert "teacher-demo" in _everything(ben) and "ana-secret-run" not in _everything(ben)
        assert "only its owner can change it" in texts(ben)
        assert not [b for b in ben.button if b.label.startswith("Delete")]
    finally:
        del os.environ["LEPTON_PRESET"]


def test_a_new_session_of_the_workspace_keeps_its_uploaded_data(workshop):
    again = _session("ana", "pages/train.py")  # a refresh, or another device with the link
    assert "sample.zip" in texts(again)
    other = _session("ben", "pages/train.py")
    assert "sample.zip" not in texts(other) and "digits" in texts(other)


def test_only_the_owner_may_resume_a_published_run(workshop):
    store, ana_run, _ = workshop
    config = make_config("digits", model="seed-cnn", epochs=2)
    demo = store.create_run(config, "teacher", in_process=True)
    store.finish(demo, "interrupted", error="the server stopped after epoch 1")
    publish(store, demo)
    ben = _session("ben", "pages/train.py", run_id=demo)
    assert "Interrupted after" in texts(ben)
    assert not [b for b in ben.button if b.label.startswith("Resume")]
    owner = _session("teacher", "pages/train.py", run_id=demo)
    assert [b for b in owner.button if b.label.startswith("Resume")]
