"""What the browser benches share: the app server, Chromium, process memory, results.json.

`start_server` starts the app as `lepton app` does (app/launch.py) on a free loopback port, in
its own process group; `stop_group` stops that group (never by name). `tree_memory` reads RSS,
anonymous RSS and PSS of a process and its descendants from /proc.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM_ARGS += ["--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
WORKER = b"lepton_core.runs.worker"  # in a training worker's command line


def descendants(pid: int) -> list[int]:
    """pid and every process below it, from /proc/<pid>/task/*/children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return out


def _kb(path: str, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _is_worker(pid: int) -> bool:
    try:
        return WORKER in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def tree_memory(pid: int, workers: bool = False) -> dict:
    """RSS (and its anonymous part: heap, tensors), PSS in MB of pid plus descendants, and
    their count; training workers are left out unless `workers`."""
    pids = [p for p in descendants(pid) if workers or not _is_worker(p)]
    mb = {"rss_mb": ("status", "VmRSS"), "anon_mb": ("status", "RssAnon")}
    mb["pss_mb"] = ("smaps_rollup", "Pss")
    out = {k: round(sum(_kb(f"/proc/{p}/{f}", key) for p in pids) / 1024, 1)
           for k, (f, key) in mb.items()}  # fmt: skip
    return out | {"processes": len(pids)}


class Sampler(threading.Thread):
    """Samples the server's tree_memory every 0.5 s; keeps the peak RSS, overall and per phase."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, {"rss_mb": 0.0}, threading.Event()
        self.phase, self.phase_peak_mb = "start", {}

    def run(self) -> None:
        while not self.stop.wait(0.5):
            m, phase = tree_memory(self.pid), self.phase
            self.phase_peak_mb[phase] = max(self.phase_peak_mb.get(phase, 0.0), m["rss_mb"])
            if m["rss_mb"] > self.peak["rss_mb"]:
                self.peak = m | {"phase": phase}


def start_server(home: Path, log: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """The app as `lepton app` runs it (with extra `env`), in its own process group;
    (process, url) once healthy."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "app/launch.py", "run", "app/streamlit_app.py"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    cmd += ["--server.headless", "true", "--server.fileWatcherType", "none"]
    env = dict(os.environ, LEPTON_HOME=str(home), PYTHONUNBUFFERED="1", **env)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:  # noqa: S310
                if r.status == 200:
                    return proc, url
        time.sleep(0.25)
    raise RuntimeError(f"server did not start:\n{log.read_text(errors='replace')[-3000:]}")


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(15)


def bench_dirs(prefix: str) -> tuple[Path, Path, Path]:
    """A fresh temp folder with an empty LEPTON_HOME: (folder, home, server log path).

    SIGTERM becomes an exit, so the caller's finally blocks stop the server."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    base = Path(tempfile.mkdtemp(prefix=prefix))
    (base / "home").mkdir()
    return base, base / "home", base / "server.log"


def save_results(**sections: dict) -> None:
    """Merge these top-level sections into bench/results.json (other sections are kept)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps(results | sections, indent=2) + "\n")
