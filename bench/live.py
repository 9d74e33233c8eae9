"""Issue 2's live view: "progress and curves refreshed at least once a second", for one person
watching a run train on this machine.

A server (as `lepton app` starts it, with LEPTON_TIMING_LOG) starts on a fresh home that holds a
queued run (digits, seed-cnn, --epochs); its first page starts that run in a worker, as after a
restart. One headless Chromium session opens the run's Train page and stays until the run ends.
The app logs each refresh of the live view (a fragment run) with the session and the page visit;
the figure is the interval between refreshes within the visit, from its first refresh on (before
it, the browser draws the page). Merges into bench/results.json under "live".
Usage: .venv/bin/python bench/live.py [--epochs 12]
"""

import argparse
import datetime
import json
import os
import sys

from common import CHROMIUM, CHROMIUM_ARGS, ROOT, bench_dirs, save_results, start_server, stop_group
from workshop import CONTEXT, pct, refresh_intervals

sys.path.insert(0, str(ROOT))
GOAL_S = 1.0  # issue 2: at least once a second
TIMEOUT_MS = 120_000


def watch(url: str, run_id: str, store) -> int:
    """Open the run's Train page in Chromium and stay until the run ends; its epochs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(**CONTEXT).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{url}/train?run={run_id}")
            page.get_by_role("heading", name="Train", exact=True).wait_for()
            while store.get(run_id).status in ("queued", "running"):
                page.wait_for_timeout(250)
            return store.get(run_id).epochs_completed
        finally:
            browser.close()


def main() -> None:
    """Serve a home with one queued run, watch it train, merge the intervals into results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=12)
    args = ap.parse_args()
    base, home, log = bench_dirs("lepton-bench-live-")
    from lepton_core.api import make_config
    from lepton_core.runs import RunStore

    store = RunStore(home)
    run_id = store.create_run(make_config("digits", model="seed-cnn", epochs=args.epochs))
    timing = base / "timing.jsonl"
    proc, url = start_server(home, log, LEPTON_TIMING_LOG=str(timing))
    try:
        epochs = watch(url, run_id, store)
    finally:
        stop_group(proc)
    refreshes = [r for r in map(json.loads, timing.read_text().splitlines()) if r["page"] == "live"]
    gaps = refresh_intervals(refreshes)
    out = {
        "what": "one Chromium session on the Train page of a training run (digits seed-cnn, "
        "local worker): seconds between its live view's refreshes, as the server logs them",
        "epochs": epochs,
        "status": store.get(run_id).status,
        "interval_p50_s": pct(gaps, 50, digits=2),
        "interval_p95_s": pct(gaps, 95, digits=2),
        "samples": len(gaps),
        "goal_s": GOAL_S,
        "load_average_1min": round(os.getloadavg()[0], 1),
        "date": datetime.date.today().isoformat(),
    }
    out["met"] = bool(gaps) and out["interval_p50_s"] <= GOAL_S
    save_results(live=out)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
