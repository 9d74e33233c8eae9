"""Server memory with 20 idle browser sessions and 20 finished runs (issue 7's goal: ≤ 1.5 GB RSS).

Trains 20 real runs (digits, seed-cnn, 1 epoch, seeds 0..19) into a fresh LEPTON_HOME through
`lepton_core.api.train`, starts a real server (app/launch.py) on a free loopback port, and opens
20 sessions (one browser context each) in headless Debian Chromium. Every session visits Home,
Runs, Evaluate ?run=ID and Explain ?run=ID, each with its own run, so 20 models get loaded. The
sessions then stay connected and idle. The RSS of the server process plus all its descendants
(from /proc) is sampled every 0.5 s: at start, after the visits, after idling, and the peak.
PSS (shared pages split between processes) is recorded too. Merges into bench/results.json
under "memory". Usage: .venv/bin/python bench/memory.py [--sessions 20] [--idle 60]
"""

import argparse
import contextlib
import datetime
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
GOAL_MB = 1536  # 1.5 GB
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM_ARGS += ["--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT_MS = 300_000  # 20 sessions at once on 2 busy cores


def _descendants(pid: int) -> list[int]:
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


def tree_memory(pid: int) -> dict:
    """RSS (and its anonymous part: heap, tensors), PSS in MB of pid plus descendants; count."""
    pids = _descendants(pid)
    mb = {"rss_mb": ("status", "VmRSS"), "anon_mb": ("status", "RssAnon")}
    mb["pss_mb"] = ("smaps_rollup", "Pss")
    out = {k: round(sum(_kb(f"/proc/{p}/{f}", key) for p in pids) / 1024, 1)
           for k, (f, key) in mb.items()}  # fmt: skip
    return out | {"processes": len(pids)}


class Sampler(threading.Thread):
    """Samples tree_memory every 0.5 s; keeps the peak RSS, overall and per phase."""

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


def train_runs(n: int) -> list[str]:
    """n real 1-epoch trainings of seed-cnn on digits; their run ids."""
    import torch

    torch.set_num_threads(1)
    from lepton_core.api import train

    return [train("digits", model="seed-cnn", epochs=1, seed=i).id for i in range(n)]


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


def visit_all(browser, url: str, run_ids: list[str], sampler: Sampler) -> tuple[list, float]:
    """Open one context per run and walk every session through four pages, all at once."""
    pages = []
    for _ in run_ids:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        ctx.set_default_timeout(TIMEOUT_MS)
        pages.append(ctx.new_page())
    t0 = time.perf_counter()
    for path in ("/", "/runs", "/evaluate?run={}", "/explain?run={}"):
        sampler.phase = path.split("?")[0]
        for page, run_id in zip(pages, run_ids, strict=True):
            page.goto(url + path.format(run_id), wait_until="commit")
        for page in pages:  # all sessions run their scripts concurrently; wait for each
            page.wait_for_load_state()
            page.locator(IDLE).wait_for(state="attached")
        print(f"  {len(pages)} sessions on {path.split('?')[0]}: {time.perf_counter() - t0:.0f} s")
    return pages, time.perf_counter() - t0


def bench_dirs(prefix: str) -> tuple[Path, Path, Path]:
    """A fresh temp folder with an empty LEPTON_HOME: (folder, home, server log path).

    SIGTERM becomes an exit, so the caller's finally blocks stop the server."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    base = Path(tempfile.mkdtemp(prefix=prefix))
    (base / "home").mkdir()
    return base, base / "home", base / "server.log"


def main() -> None:
    """Train, serve, visit, idle, measure; merge the numbers into bench/results.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--idle", type=int, default=60, help="seconds the sessions stay idle")
    args = ap.parse_args()
    _, home, log = bench_dirs("lepton-bench-mem-")
    os.environ["LEPTON_HOME"] = str(home)
    t0 = time.perf_counter()
    run_ids = train_runs(args.sessions)
    print(f"trained {len(run_ids)} real runs in {time.perf_counter() - t0:.0f} s")
    from playwright.sync_api import sync_playwright

    proc, url = start_server(home, log)
    sampler = Sampler(proc.pid)
    try:
        time.sleep(2)
        start = tree_memory(proc.pid)
        sampler.peak = start
        sampler.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                pages, visit_s = visit_all(browser, url, run_ids, sampler)
                after_visits, sampler.phase = tree_memory(proc.pid), "idle"
                time.sleep(args.idle)
                connected = sum(1 for pg in pages if pg.locator(IDLE).count() == 1)
                after_idle = tree_memory(proc.pid)
            finally:
                browser.close()
    finally:
        sampler.stop.set()
        stop_group(proc)
    peak = sampler.peak
    out = {
        "runs": len(run_ids),
        "runs_made_by": "real trainings: digits seed-cnn 1 epoch each, api.train",
        "sessions": len(run_ids),
        "sessions_still_connected": connected,
        "pages_per_session": ["home", "runs", "evaluate?run=ID", "explain?run=ID"],
        "visits_s": round(visit_s, 1),
        "idle_s": args.idle,
        "measured": "RSS, anon RSS and PSS of the server process plus all descendants, /proc",
        "start": start,
        "after_visits": after_visits,
        "after_idle": after_idle,
        "peak": peak,
        "peak_rss_mb_by_phase": sampler.phase_peak_mb,
        "goal_rss_mb": GOAL_MB,
        "met": after_idle["rss_mb"] <= GOAL_MB,  # the goal: 20 idle sessions + 20 finished runs
        "peak_within_goal": peak["rss_mb"] <= GOAL_MB,  # while all 20 sessions load at once
        "date": datetime.date.today().isoformat(),
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["memory"] = out
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'':14}{'RSS MB':>9}{'anon MB':>9}{'PSS MB':>9}{'procs':>7}")
    for name in ("start", "after_visits", "after_idle", "peak"):
        m = out[name]
        print(f"{name:14}{m['rss_mb']:>9}{m['anon_mb']:>9}{m['pss_mb']:>9}{m['processes']:>7}")
    print(f"peak RSS MB by phase: {sampler.phase_peak_mb}")
    print(
        f"goal: idle ≤ {GOAL_MB} MB RSS: {'met' if out['met'] else 'MISSED'}; peak "
        f"{'within' if out['peak_within_goal'] else 'OVER'} the goal; log: {log}"
    )


if __name__ == "__main__":
    main()
