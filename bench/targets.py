"""The issue's accuracy and time targets, measured through the real CLI on this machine.

Runs each `lepton train ... --json` command in a fresh LEPTON_HOME and merges test accuracy and
train_seconds into bench/results.json under "cli_targets".
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"

# (name, CLI arguments, minimum test accuracy, maximum train_seconds or None)
TARGETS = [
    ("digits seed-cnn 10 epochs", ["--data", "digits", "--model", "seed-cnn", "--epochs", "10"],
     0.95, None),
    ("digits cnn default epochs", ["--data", "digits", "--model", "cnn"], 0.98, 30.0),
    ("shapes cnn default epochs", ["--data", "shapes", "--model", "cnn"], 0.95, None),
]  # fmt: skip


def measure(args: list[str], home: str) -> dict:
    """One `lepton train --seed 0 --json` run; returns its JSON summary."""
    env = dict(os.environ, LEPTON_HOME=home, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "lepton_core", "train", *args, "--seed", "0", "--json"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> dict:
    """Measure every target, print a table, merge into bench/results.json."""
    rows = {}
    with tempfile.TemporaryDirectory() as home:
        for name, args, min_acc, max_s in TARGETS:
            summary = measure(args, home)
            acc, secs = summary["metrics"]["test_accuracy"], summary["train_seconds"]
            ok = acc >= min_acc and (max_s is None or secs <= max_s)
            rows[name] = {
                "command": "lepton train " + " ".join(args) + " --seed 0",
                "test_accuracy": round(acc, 4),
                "train_seconds": secs,
                "goal": f"accuracy >= {min_acc}" + (f", train_seconds <= {max_s}" if max_s else ""),
                "ok": ok,
            }
            print(f"{name:<28} acc {acc:.4f}  {secs:6.1f} s  {'ok' if ok else 'MISSED'}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["cli_targets"] = dict(rows, date=datetime.date.today().isoformat())
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return rows


if __name__ == "__main__":
    main()
