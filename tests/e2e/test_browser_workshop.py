"""A workshop server in a real browser: private workspaces, the job queue, and kill -9 of the
server mid-training, then a restart: the run is interrupted, resumable, and ends complete; the
run that was waiting in the queue is not lost."""

import os
import signal
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from lepton_core.runs import RunStore
from tests.e2e.conftest import start_app, stop_app
from tests.e2e.test_browser import set_epochs, shot

pytestmark = pytest.mark.browser
ARGS = ("--private", "--workers", "1")
TRAIN_TIMEOUT_MS = 300_000


def _query(page, key: str) -> str:
    return parse_qs(urlparse(page.url).query)[key][0]


def _start_training(page, url: str, epochs: int) -> tuple[str, str]:
    """Open Train in a new session, start a run; (workspace, run id) from the page's link."""
    page.goto(f"{url}/train")
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    set_epochs(page, epochs)
    page.get_by_role("button", name="Start training").click()
    page.wait_for_url("**run=*")
    return _query(page, "ws"), _query(page, "run")


def test_kill_9_mid_training_then_restart_resumes_and_loses_no_run(
    tmp_path: Path, new_page, shots: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    store = RunStore(home)
    preset = tmp_path / "fast.toml"  # seed-cnn: a fast model, so the test waits less
    preset.write_text('[defaults]\nmodel = "seed-cnn"\n')
    args = (*ARGS, "--preset", str(preset))
    proc, srv = start_app(home, tmp_path / "server.log", *args)
    try:
        first, second = new_page(), new_page()
        ws_a, run_a = _start_training(first, srv.url, epochs=12)
        ws_b, run_b = _start_training(second, srv.url, epochs=1)
        assert ws_a != ws_b  # two sessions, two private workspaces
        waiting = second.get_by_text("Waiting for a free worker: #1 in the queue")
        expect(waiting).to_be_visible()
        shot(second, shots, "01-queued", waiting)
        deadline = time.monotonic() + 180
        while store.get(run_a).epochs_completed < 2:
            assert time.monotonic() < deadline, srv.log_tail()
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)  # the server dies mid-training, no goodbye
        proc.wait(30)
        deadline = time.monotonic() + 60
        while store.get(run_a).status == "running":  # its worker notices and stops
            assert time.monotonic() < deadline, "the orphaned worker did not stop"
            time.sleep(0.2)
        rec = store.get(run_a)
        assert rec.status == "interrupted" and 2 <= rec.epochs_completed < 12, rec
        kept = rec.epochs_completed
        assert store.get(run_b).status == "queued"  # still in line, not lost

        proc, srv = start_app(home, tmp_path / "server.log", *args)  # the restart
        again = new_page()  # another device: only the link
        again.goto(f"{srv.url}/train?ws={ws_a}&run={run_a}")
        expect(again.get_by_text(f"Interrupted after {kept} epochs")).to_be_visible()
        shot(again, shots, "02-interrupted", again.get_by_text(f"Interrupted after {kept}"))
        assert run_b not in again.content()  # another workspace's run stays out of sight
        again.get_by_role("button", name=f"Resume from epoch {kept + 1}").click()
        finished = again.get_by_text("Finished: test accuracy")
        expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
        shot(again, shots, "03-resumed", finished)
        deadline = time.monotonic() + TRAIN_TIMEOUT_MS / 1000
        while store.get(run_b).status in ("queued", "running"):
            assert time.monotonic() < deadline, srv.log_tail()
            time.sleep(0.5)
    finally:
        stop_app(proc, home)
    a, b = store.get(run_a), store.get(run_b)
    assert a.status == "done" and a.epochs_completed == 12 and a.model == "seed-cnn", a.error
    assert [r["epoch"] for r in store.history(run_a)] == list(range(1, 13))
    assert b.status == "done", b.error
    assert (a.workspace, b.workspace) == (ws_a, ws_b)


def test_the_language_follows_the_browser_and_the_sidebar_switches_it(server, browser) -> None:
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}/data")
        expect(page.get_by_role("heading", name="数据", exact=True)).to_be_visible()
        nav = page.get_by_test_id("stSidebarNavLink")
        expect(nav.filter(has_text="2 · 训练")).to_be_visible()
        page.get_by_role("radio", name="English").click()
        expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
        expect(nav.filter(has_text="2 · Train")).to_be_visible()
        assert "lang=en" in page.url  # kept in the link: a refresh stays in English
        page.reload()
        expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    finally:
        ctx.close()
