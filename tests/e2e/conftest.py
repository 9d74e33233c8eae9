"""Browser-test fixtures: a real `lepton app` server and a headless Debian Chromium.

The server is started once per test module with a fresh LEPTON_HOME, and stopped by its own
process group (never by name). Chromium is the system one at /usr/bin/chromium: we never run
`playwright install`. Without Chromium the tests skip locally, but fail when CI is set.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 120  # cold start on a busy 2-core machine
SERVER_STOP_TIMEOUT_S = 15
DEFAULT_TIMEOUT_MS = 60_000  # one Streamlit rerun can take many seconds when torch is imported


@dataclass
class Server:
    """A running app: where to reach it and where it keeps its runs."""

    url: str
    home: Path
    log: Path

    def log_tail(self, n: int = 4000) -> str:
        """The end of the server's output, for failure messages."""
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return "(no server log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's own process group, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(SERVER_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(SERVER_STOP_TIMEOUT_S)


def _stop_workers(home: Path) -> None:
    """Training workers run in their own sessions: stop any that this server started and left."""
    from lepton_core.runs import RunStore
    from lepton_core.runs.store import pid_alive

    with contextlib.suppress(Exception):
        for rec in RunStore(home).list_runs():
            if rec.status in ("queued", "running") and pid_alive(rec.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(rec.pid, signal.SIGTERM)


def start_app(home: Path, log: Path, *args: str, port: int | None = None) -> tuple:
    """`python -m lepton_core app ARGS` on a loopback port; (process, Server) once healthy."""
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, LEPTON_HOME=str(home), PYTHONUNBUFFERED="1")
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lepton_core", "app", "--port", str(port)]
            + ["--address", "127.0.0.1", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    srv = Server(url=url, home=home, log=log)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not _healthy(url):
        if proc.poll() is not None:
            pytest.fail(f"the app exited with {proc.returncode}:\n{srv.log_tail()}")
        if time.monotonic() > deadline:
            _stop_group(proc)
            pytest.fail(f"the app was not healthy after {SERVER_START_TIMEOUT_S} s")
        time.sleep(0.25)
    return proc, srv


def stop_app(proc: subprocess.Popen, home: Path) -> None:
    """Stop a server started by start_app, and any training worker it left."""
    _stop_group(proc)
    _stop_workers(home)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """`python -m lepton_core app` on a free loopback port, with a fresh LEPTON_HOME."""
    base = tmp_path_factory.mktemp("lepton-e2e")
    home = base / "home"
    home.mkdir()
    proc, srv = start_app(home, base / "server.log")
    try:
        yield srv
    finally:
        stop_app(proc, home)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by the pip playwright package."""
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI, but {msg}")
        pytest.skip(msg)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)  # its own default (5 s) is too short here

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser):
    """A factory of fresh pages, each in its own context (its own Streamlit session)."""
    contexts = []

    def make():
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_page):
    """One fresh page."""
    return new_page()


@pytest.fixture
def shots(request, tmp_path) -> Path:
    """Where screenshots go: $LEPTON_SCREENSHOTS/<test name>, else the test's tmp_path."""
    root = os.environ.get("LEPTON_SCREENSHOTS")
    folder = Path(root) / request.node.name if root else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
