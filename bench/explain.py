"""Explanation speed on this CPU, seed-cnn at 28×28 (issue 5's goals).

Trains seed-cnn on digits (3 epochs, seed 0), then times, as the median of 7 repeats after a
warm-up: Saliency, Grad-CAM, Integrated Gradients (50 steps) and Occlusion on one image; a grid
of 16 images × those 4 methods; and the trust panel for one method on 32 images (the
shuffled-label model trained once beforehand, as the page caches it). Merges the numbers into
bench/results.json under "explain".
"""

import datetime
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lepton_core.explain import attribute  # noqa: E402
from lepton_core.explain.grid import explain_grid  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
REPEATS = 7
GOALS_MS = {"saliency": 10, "grad-cam": 10, "integrated-gradients": 60, "occlusion": 60}
GRID_GOAL_S, TRUST_GOAL_S = 1.5, 10.0


def median_seconds(fn, repeats: int = REPEATS) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    import os

    torch.set_num_threads(2)
    os.environ["LEPTON_HOME"] = tempfile.mkdtemp(prefix="lepton-bench-")
    from lepton_core.api import train
    from lepton_core.explain.trust import trust_report

    run = train("digits", model="seed-cnn", epochs=3, seed=0)
    model, ds = run.model(), run.dataset
    x, y = ds.x["test"], ds.y["test"]
    one, target = x[:1], y[:1]
    out: dict = {"model": "seed-cnn", "input": "1x28x28", "torch_threads": 2}
    for method, goal in GOALS_MS.items():
        options = {"n_steps": 50} if method == "integrated-gradients" else {}
        ms = 1000 * median_seconds(
            lambda m=method, o=options: attribute(model, one, m, target, **o)
        )
        out[f"{method}_one_image_ms"] = round(ms, 2)
        out[f"{method}_goal_ms"] = goal
    grid_s = median_seconds(
        lambda: explain_grid(model, x, y, list(range(16)), list(GOALS_MS), "true")
    )
    out |= {"grid_16x4_s": round(grid_s, 3), "grid_goal_s": GRID_GOAL_S}
    trust_report(run, ds, "saliency", n_images=32, cache=False)  # trains the shuffled-label model
    t0 = time.perf_counter()
    trust_report(run, ds, "grad-cam", n_images=32, cache=False)
    out |= {
        "trust_32_images_grad_cam_s": round(time.perf_counter() - t0, 2),
        "trust_goal_s": TRUST_GOAL_S,
    }
    out |= {"torch": torch.__version__, "date": datetime.date.today().isoformat()}
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["explain"] = out
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    misses = [k for k, goal in GOALS_MS.items() if out[f"{k}_one_image_ms"] > goal]
    misses += ["grid"] if grid_s > GRID_GOAL_S else []
    misses += ["trust"] if out["trust_32_images_grad_cam_s"] > TRUST_GOAL_S else []
    print("all goals met" if not misses else f"goals missed: {', '.join(misses)}")


if __name__ == "__main__":
    main()
