"""Export formats registry: safetensors + JSON, ONNX (checked against PyTorch), bundle."""

import shutil
from pathlib import Path

from lepton_core.errors import LabInputError
from lepton_core.registry import Registry

EXPORT_FORMATS = Registry("export format")


@EXPORT_FORMATS.register("safetensors")
def export_safetensors(run, out: Path) -> Path:
    """Copy checkpoint.safetensors, model.json and config.json into `out`."""
    src = run.folder
    if not (src / "checkpoint.safetensors").exists():
        raise LabInputError(f"run {run.id} has no checkpoint to export (status: {run.status})")
    out.mkdir(parents=True, exist_ok=True)
    for name in ("checkpoint.safetensors", "model.json", "config.json"):
        shutil.copy2(src / name, out / name)
    return out


@EXPORT_FORMATS.register("onnx")
def export_onnx(run, out: Path) -> Path:
    """model.onnx (+ any weight side file), model.json and parity.json (the test-split check)."""
    from lepton_core.export.onnx import export_checked_onnx

    out.mkdir(parents=True, exist_ok=True)
    export_checked_onnx(run, out)
    shutil.copy2(run.folder / "model.json", out / "model.json")
    return out


@EXPORT_FORMATS.register("bundle")
def export_bundle(run, out: Path) -> Path:
    """A zip that runs anywhere: model.onnx, preprocessing.json, predict.py, README, model card."""
    from lepton_core.export.bundle import build_bundle

    return build_bundle(run, out)
