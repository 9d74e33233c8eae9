"""Scaling out, end to end: two app servers share one PostgreSQL database, one Ray head and one
LEPTON_HOME. Training started from server A's Train page is watched live from server B's.

Needs the test services (`eval "$(.ci/services.sh up)"`): without them it skips locally and fails
in CI, as the browser tests do without Chromium.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from lepton_core.runs import RunStore
from tests.e2e.conftest import Server, start_app, stop_app
from tests.e2e.test_browser import TRAIN_TIMEOUT_MS, WATCH_PROGRESS, metric_value, set_epochs, shot
from tests.e2e.test_browser_vae import choose_model

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

EPOCHS = 12  # long enough that server B, opened after the start, sees several epochs go by
EPOCH = re.compile(r"Epoch (\d+)/(\d+)")


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, fresh_pg_url: str, ray_address: str) -> Iterator[tuple]:
    """Servers A and B on their own loopback ports: one database, one Ray head, one LEPTON_HOME."""
    base = tmp_path_factory.mktemp("scale-out")
    home = base / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:  # the servers' environment (and the store here)
        mp.setenv("LEPTON_DB_URL", fresh_pg_url)
        mp.setenv("LEPTON_RAY_ADDRESS", ray_address)
        mp.delenv("LEPTON_EXECUTOR", raising=False)
        started = []
        try:
            for name in ("a", "b"):
                started.append(start_app(home, base / f"server-{name}.log"))
            yield tuple(srv for _, srv in started)
        finally:
            for proc, _ in started:
                stop_app(proc, home)


def start_on(page: Page, server: Server) -> str:
    """Digits, seed-cnn, EPOCHS epochs: Start training on `server`'s Train page; the run id."""
    page.goto(server.url)
    page.get_by_role("button", name="Start with the digits →").click()
    expect(metric_value(page, "Images")).to_have_text("1,797")
    page.get_by_role("link", name="Next: train a model on this data →").click()
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    choose_model(page, "seed-cnn")
    set_epochs(page, EPOCHS)
    page.get_by_role("button", name="Start training").click()
    expect(page).to_have_url(re.compile(r"[?&]run=\w+"))
    return parse_qs(urlparse(page.url).query)["run"][0]


def test_training_started_on_one_server_is_watched_live_on_the_other(
    two_servers: tuple[Server, Server], new_page, shots: Path, fresh_pg_url: str
) -> None:
    server_a, server_b = two_servers
    assert server_a.url != server_b.url
    page_a = new_page()
    run_id = start_on(page_a, server_a)

    page_b = new_page()  # another browser session, on the other server, that knows only the id
    page_b.goto(f"{server_b.url}/train?run={run_id}")
    page_b.evaluate(WATCH_PROGRESS)
    live = page_b.get_by_test_id("stProgress").filter(has_text="ETA")
    expect(live.first).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    shot(page_b, shots, "01-b-live", live.first)
    finished = page_b.get_by_text("Finished: test accuracy")
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    shot(page_b, shots, "02-b-finished", finished)

    texts = page_b.evaluate("window.__progressTexts")
    epochs_seen = {int(m.group(1)) for t in texts if (m := EPOCH.search(t))}
    assert len(epochs_seen) >= 2, f"server B did not see the epochs advance: {texts}"
    assert all(f"/{EPOCHS}" in t for t in texts), texts
    expect(page_a.get_by_text("Finished: test accuracy")).to_be_visible()

    rec = RunStore(server_a.home, url=fresh_pg_url).get(run_id)
    assert rec.status == "done", rec.error
    assert rec.executor == "ray"
    assert rec.epochs_completed == EPOCHS
