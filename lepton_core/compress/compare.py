"""Compress a run and compare variants: size on disk, non-zeros, CPU latency, test score.

Everything is written under runs/<id>/compressed/ (safetensors, ONNX and JSON; never pickles):
each variant's files, `compress-<variant>.json` for `compress_run`, `comparison.json` for the table.
"""

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from lepton_core.compress.measure import (
    count_values,
    latency_ms,
    outputs,
    score_on_test,
    size_bytes,
    zipped_bytes,
)
from lepton_core.compress.prune import check_finetune_epochs, check_sparsity
from lepton_core.compress.variants import (
    COMPRESS_METHODS,
    ONNX,
    Source,
    Variant,
    float_onnx,
    int8,
    original,
    pruned,
)
from lepton_core.errors import LabInputError

if TYPE_CHECKING:
    from lepton_core.data import LabDataset
    from lepton_core.runs import Run

Progress = Callable[[float, str], None]


def compressed_folder(run: "Run") -> Path:
    """runs/<id>/compressed/, where variants and comparisons are kept."""
    return run.folder / "compressed"


def _source(run: "Run") -> Source:
    if run.record.task == "image-generation":
        raise LabInputError(
            "compression is measured on test accuracy or error; a VAE (image generation) has "
            "neither, so it cannot be compressed here"
        )
    if not (run.folder / "checkpoint.safetensors").exists():
        raise LabInputError(f"run {run.id} has no checkpoint to compress (status: {run.status})")
    folder = compressed_folder(run)
    folder.mkdir(parents=True, exist_ok=True)
    return Source(run, run.model(), run.dataset, folder)


def measure_variants(variants: list[Variant], ds: "LabDataset") -> list[dict]:
    """One table row per variant: files, bytes, weights and non-zeros, CPU latency at batch 1
    and 64 (timed in turns), test score."""
    x = ds.x["test"].numpy()
    latencies = latency_ms([v.predict for v in variants], x)
    rows = []
    for v, latency in zip(variants, latencies, strict=True):
        weights, nonzero = count_values(v.weights)
        rows.append({
            "variant": v.name,
            "label": v.label,
            "runtime": v.runtime,
            "files": [f.name for f in v.files],
            "size_bytes": size_bytes(v.files),
            "zipped_bytes": zipped_bytes(v.files),
            "weights": weights,
            "nonzero": nonzero,
            "latency_ms_batch1": latency[1],
            "latency_ms_batch64": latency[64],
            **score_on_test(outputs(v.predict, x), ds),
            "note": v.note,
        })  # fmt: skip
    return rows


def _write(path: Path, obj: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=2))
    tmp.replace(path)  # atomic: the page never reads half a file


def _drop_old_pruned(folder: Path) -> None:
    for f in folder.glob("pruned-*.safetensors"):
        f.unlink()


def compress_run(run: "Run", method: str, sparsity: float = 0.5, finetune_epochs: int = 0) -> dict:
    """Compress the run's model with `method` (int8 or prune) and measure it against its float
    baseline in the same runtime (float ONNX for an int8 ONNX, else the original checkpoint)."""
    build = COMPRESS_METHODS.get(method)
    sparsity, finetune_epochs = check_sparsity(sparsity), check_finetune_epochs(finetune_epochs)
    src = _source(run)
    if method == "prune":
        _drop_old_pruned(src.folder)
    after = build(src, sparsity=sparsity, finetune_epochs=finetune_epochs)
    before = float_onnx(src) if after.runtime == ONNX else original(src)
    b, a = measure_variants([before, after], src.ds)
    report = {
        "variant": a["variant"],
        "label": a["label"],
        "runtime": a["runtime"],
        "baseline": b["variant"],
        "baseline_label": b["label"],
        "files": [str(src.folder / f) for f in a["files"] if (src.folder / f).exists()],
        "size_ratio": round(a["size_bytes"] / b["size_bytes"], 4),
        "torch_threads": torch.get_num_threads(),
        "note": a["note"],
    }
    for key in ("size_bytes", "zipped_bytes", "accuracy", "test_mae", "nonzero",
                "latency_ms_batch64"):  # fmt: skip
        report[f"{key}_before"], report[f"{key}_after"] = b[key], a[key]
    report["latency_ms_before"], report["latency_ms_after"] = (
        b["latency_ms_batch1"], a["latency_ms_batch1"],
    )  # fmt: skip
    report["weights"] = b["weights"]
    if method == "prune":
        report["sparsity"] = sparsity
        report["finetune_epochs"] = finetune_epochs
    _write(src.folder / f"compress-{a['variant']}.json", report)
    return report


def compare_variants(
    run: "Run",
    sparsity: float = 0.5,
    finetune_epochs: int = 0,
    progress: Progress | None = None,
    methods: tuple[str, ...] = ("int8", "prune"),
) -> list[dict]:
    """The original and, per method, float ONNX + int8 and pruned (+ fine-tuned when epochs > 0),
    measured alike; also written to compressed/comparison.json."""
    for method in methods:
        COMPRESS_METHODS.get(method)
    sparsity, finetune_epochs = check_sparsity(sparsity), check_finetune_epochs(finetune_epochs)
    src = _source(run)
    steps = [("the original", lambda: original(src))]
    if "int8" in methods:
        steps += [("float ONNX", lambda: float_onnx(src)), ("int8", lambda: int8(src))]
    if "prune" in methods:
        _drop_old_pruned(src.folder)
        steps.append(("pruned", lambda: pruned(src, sparsity)))
        if finetune_epochs:
            steps.append(("pruned + fine-tune", lambda: pruned(src, sparsity, finetune_epochs)))
    variants = []
    for i, (title, build) in enumerate(steps):
        if progress:
            progress(0.8 * i / len(steps), f"Building {title}…")
        variants.append(build())
    if progress:
        progress(0.8, "Timing every variant on this CPU and scoring it on the test split…")
    rows = measure_variants(variants, src.ds)
    base = rows[0]["size_bytes"]
    for row in rows:
        row["size_vs_original"] = round(row["size_bytes"] / base, 4)
    if progress:
        progress(1.0, "done")
    _write(src.folder / "comparison.json", {
        "run_id": run.id, "methods": list(methods), "sparsity": sparsity,
        "finetune_epochs": finetune_epochs,
        "torch_threads": torch.get_num_threads(), "created": time.time(), "rows": rows,
    })  # fmt: skip
    return rows


def last_comparison(run: "Run") -> dict | None:
    """The comparison last written for this run, or None."""
    path = compressed_folder(run) / "comparison.json"
    return json.loads(path.read_text()) if path.exists() else None
