"""The issues' accuracy and time targets, measured on this machine.

Issue 2's image targets run through the real CLI: each `lepton train ... --json` command in a
fresh LEPTON_HOME, test accuracy and train_seconds merged into bench/results.json under
"cli_targets". Issue 3's table and series targets and issue 4's VAE use the same commands'
options, trained in this process with `lepton_core.api.train` (what `lepton train` calls; one
torch import instead of one per command), merged under "task_targets": per command the metrics
behind its goals and one check per goal (figure, value, unit, op, goal, note).
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import save_results  # noqa: E402

# (name, CLI arguments, minimum test accuracy, maximum train_seconds or None)
TARGETS = [
    ("digits seed-cnn 10 epochs", ["--data", "digits", "--model", "seed-cnn", "--epochs", "10"],
     0.95, None),
    ("digits cnn default epochs", ["--data", "digits", "--model", "cnn"], 0.98, 30.0),
    ("shapes cnn default epochs", ["--data", "shapes", "--model", "cnn"], 0.95, None),
]  # fmt: skip

# name -> (the issue's `lepton train` command, api.train's keyword arguments for it)
TASK_TARGETS = {
    "breast-cancer mlp": ("--data breast-cancer --model mlp",
                          {"dataset": "breast-cancer", "model": "mlp"}),
    "diabetes mlp": ("--data diabetes --model mlp", {"dataset": "diabetes", "model": "mlp"}),
    "seasonal lstm": ("--data seasonal --model lstm", {"dataset": "seasonal", "model": "lstm"}),
    "stocks gru": ("--data stocks --target GOOG --model gru --lookback 30 --horizon 5",
                   {"dataset": "stocks", "model": "gru",
                    "data_options": {"target": "GOOG", "lookback": 30, "horizon": 5}}),
    "digits vae, latent 2": ("--data digits --model vae --latent-dim 2",
                             {"dataset": "digits", "model": "vae",
                              "model_options": {"latent_dim": 2}}),
}  # fmt: skip
VAE_MAX_EPOCHS = 30


def measure(args: list[str], home: str) -> dict:
    """One `lepton train --seed 0 --json` run; returns its JSON summary."""
    env = dict(os.environ, LEPTON_HOME=home, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "lepton_core", "train", *args, "--seed", "0", "--json"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def cli_targets(home: str) -> dict:
    """Issue 2's targets through the CLI: accuracy and train time per command."""
    rows = {}
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
    return rows


def checks(name: str, m: dict, epochs: int) -> list[dict]:
    """The issue's goals for one command, from its test metrics (as tests/core checks them)."""

    def check(figure, value, unit, op, goal, note=""):
        return {"figure": f"{name}: {figure}", "value": round(value, 4), "unit": unit, "op": op,
                "goal": None if goal is None else round(goal, 4), "note": note}  # fmt: skip

    if name.startswith("digits vae"):
        sse = m["test_recon_sse"] / m["baseline_recon_sse"]
        return [
            check("test recon SSE / mean-image SSE", sse, "×", "<=", 0.5, f"{epochs} epochs"),
            check("epochs trained", epochs, "", "<=", VAE_MAX_EPOCHS),
            check("latent kNN accuracy", m["latent_knn_accuracy"], "", ">=", 0.8),
        ]
    if name == "breast-cancer mlp":
        note = f"linear baseline {m['linear_accuracy']:.3f}"
        return [check("test accuracy", m["test_accuracy"], "", ">=", 0.95, note)]
    if name == "diabetes mlp":
        note = f"ridge R² {m['linear_r2']:.3f} − 0.05, same split"
        return [check("test R²", m["test_r2"], "", ">=", m["linear_r2"] - 0.05, note)]
    ratio = m["test_mae"] / m["naive_mae"]
    maes = f"model MAE {m['test_mae']:.3f} vs naive (last value) {m['naive_mae']:.3f}"
    if name == "seasonal lstm":
        return [check("test MAE / naive MAE", ratio, "×", "<=", 0.7, maes)]
    winner = "the naive forecast wins" if ratio > 1 else "the model wins"
    return [check("test MAE / naive MAE", ratio, "×", "reported", None, f"{maes}: {winner}")]


def task_targets() -> dict:
    """Issues 3 and 4: train each command in this process (seed 0), check its goals."""
    import torch

    from lepton_core.api import train

    torch.set_num_threads(2)
    rows = {}
    for name, (command, kwargs) in TASK_TARGETS.items():
        t0 = time.perf_counter()
        run = train(**dict(kwargs), seed=0)
        rec, wall = run.record, time.perf_counter() - t0
        m = {k: v for k, v in rec.metrics.items() if isinstance(v, float | int)}
        rows[name] = {
            "command": f"lepton train {command} --seed 0",
            "train_seconds": rec.train_seconds,
            "wall_s": round(wall, 2),
            "epochs_completed": rec.epochs_completed,
            "metrics": {k: round(v, 4) for k, v in m.items()},
            "checks": checks(name, m, rec.epochs_completed),
        }
        for c in rows[name]["checks"]:
            print(f"{c['figure']:<52} {c['value']:>8} {c['op']} {c['goal']}  ({wall:.1f} s)")
    return rows


def main() -> None:
    """Measure every target, print a table, merge into bench/results.json."""
    today = datetime.date.today().isoformat()
    with tempfile.TemporaryDirectory() as home:
        cli = cli_targets(home)
        os.environ["LEPTON_HOME"] = home
        tasks = task_targets()
    save_results(cli_targets=dict(cli, date=today), task_targets=dict(tasks, date=today))


if __name__ == "__main__":
    main()
