"""Trainer throughput vs a minimal hand-written PyTorch loop on the same model and data.

Both train the registry's default `cnn` on the digits train split with the same batch size,
epochs, optimizer and learning-rate schedule, without validation. Each is timed 3 times,
alternating, and the medians are compared. Writes bench/results.json (other keys are kept).
"""

import argparse
import datetime
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lepton_core.config import TrainSpec  # noqa: E402
from lepton_core.data import load_dataset  # noqa: E402
from lepton_core.models import build_lab_model  # noqa: E402
from lepton_core.training import Trainer  # noqa: E402
from lepton_core.training.trainer import make_optimizer, make_schedule  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
MODEL, DATA = "cnn", "digits"
TORCH_THREADS = 2
GOAL = 1.05


def fresh_model(ds, seed: int):
    torch.manual_seed(seed)
    return build_lab_model(MODEL, {}, ds.input_shape, ds.classes, *ds.channel_stats())


def time_trainer(ds, spec: TrainSpec) -> float:
    """Seconds for Trainer.fit on the train split, no validation set."""
    model = fresh_model(ds, spec.seed)
    t0 = time.perf_counter()
    Trainer(model, spec).fit(ds.x["train"], ds.y["train"])
    return time.perf_counter() - t0


def time_raw_loop(ds, spec: TrainSpec) -> float:
    """Seconds for the shortest honest loop: shuffle, forward, loss, backward, step, schedule."""
    model = fresh_model(ds, spec.seed)
    x, y = ds.x["train"], ds.y["train"]
    n, bs = len(y), spec.batch_size
    steps = -(-n // bs)
    t0 = time.perf_counter()
    torch.manual_seed(spec.seed)
    gen = torch.Generator().manual_seed(spec.seed)
    opt = make_optimizer(model, spec)
    sched = make_schedule(opt, spec, spec.epochs * steps)
    model.train()
    for _ in range(spec.epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(steps):
            idx = perm[i * bs : (i + 1) * bs]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
    return time.perf_counter() - t0


def main(epochs: int = 3, repeats: int = 3) -> dict:
    """Time both loops `repeats` times, alternating; write and print the medians."""
    torch.set_num_threads(TORCH_THREADS)
    ds = load_dataset(DATA)
    spec = TrainSpec(epochs=epochs)
    n = len(ds.y["train"])
    time_raw_loop(ds, TrainSpec(epochs=1))  # warm-up: first conv calls allocate and tune
    trainer_s, raw_s = [], []
    for _ in range(repeats):
        trainer_s.append(time_trainer(ds, spec))
        raw_s.append(time_raw_loop(ds, spec))
    samples = n * spec.epochs
    t_trainer, t_raw = statistics.median(trainer_s), statistics.median(raw_s)
    result = {
        "trainer_samples_per_s": round(samples / t_trainer, 1),
        "raw_samples_per_s": round(samples / t_raw, 1),
        "time_ratio": round(t_trainer / t_raw, 4),
        "goal": f"<= {GOAL}",
        "model": MODEL,
        "data": f"{DATA} train split ({n} images, {tuple(ds.input_shape)})",
        "batch_size": spec.batch_size,
        "epochs": spec.epochs,
        "optimizer": spec.optimizer,
        "schedule": spec.schedule,
        "torch_threads": TORCH_THREADS,
        "repeats": repeats,
        "trainer_seconds": [round(t, 3) for t in trainer_s],
        "raw_seconds": [round(t, 3) for t in raw_s],
        "torch": torch.__version__,
        "machine": platform.machine(),
        "date": datetime.date.today().isoformat(),
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["trainer_vs_raw_loop"] = result
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'loop':<10}{'median s':>10}{'samples/s':>12}   runs (s)")
    for name, times, rate in (
        ("Trainer", trainer_s, result["trainer_samples_per_s"]),
        ("raw loop", raw_s, result["raw_samples_per_s"]),
    ):
        runs = " ".join(f"{t:.2f}" for t in times)
        print(f"{name:<10}{statistics.median(times):>10.3f}{rate:>12.1f}   {runs}")
    verdict = "ok" if result["time_ratio"] <= GOAL else "OVER GOAL"
    print(f"time ratio Trainer/raw = {result['time_ratio']:.3f} (goal <= {GOAL}): {verdict}")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    main(args.epochs, args.repeats)
