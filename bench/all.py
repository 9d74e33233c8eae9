"""`make bench`: every benchmark in order, then bench/report.py (issue 8: under 10 minutes).

Runs each bench script as a subprocess with this Python, times it, and keeps going when one
fails. Then merges results["bench_total"] = {"wall_s", "by_bench_s", "failed", "goal_s", "date"}
into bench/results.json (other sections kept) and writes bench/RESULTS.md. Exits non-zero if any
bench (or the report) failed.
Usage: .venv/bin/python bench/all.py
"""

import datetime
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from common import save_results  # noqa: E402

BENCHES = ["run.py", "targets.py", "explain.py", "compress.py", "deploy.py", "cancel.py",
           "live.py", "coldstart.py", "workshop.py"]  # fmt: skip
GOAL_S = 600


def run_one(script: str) -> tuple[float, bool]:
    """Run one bench script (its output goes straight through); its seconds and success."""
    print(f"== bench/{script}", flush=True)
    t0 = time.monotonic()
    code = subprocess.run([sys.executable, str(BENCH / script)], cwd=BENCH.parent).returncode
    secs = time.monotonic() - t0
    print(f"== bench/{script}: {secs:.1f} s" + (f", FAILED (exit {code})" if code else ""))
    return secs, code == 0


def main() -> int:
    """Every bench, the total recorded, the report written; 1 if anything failed."""
    t0, by_bench, failed = time.monotonic(), {}, []
    for script in BENCHES:
        secs, ok = run_one(script)
        by_bench[script] = round(secs, 1)
        failed += [] if ok else [script]
    total = {
        "wall_s": round(time.monotonic() - t0, 1),
        "by_bench_s": by_bench,
        "failed": failed,
        "goal_s": GOAL_S,
        "date": datetime.date.today().isoformat(),
    }
    save_results(bench_total=total)
    print(f"make bench: {total['wall_s']:.0f} s (goal <= {GOAL_S} s); failed: {failed or 'none'}")
    report_ok = run_one("report.py")[1]
    return 1 if failed or not report_ok else 0


if __name__ == "__main__":
    sys.exit(main())
