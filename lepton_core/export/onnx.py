"""ONNX export (torch.onnx dynamo exporter, dynamic batch) and its parity check with onnxruntime."""

import json
import logging
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lepton_core.errors import ExportParityError, LabInputError

VALUE_TOLERANCE = 1e-3  # regression, forecasting, VAE: max |onnx - torch| on standardised outputs


def to_onnx(model: nn.Module, example: torch.Tensor, path: Path) -> list[Path]:
    """Write `model` to `path` (batch size dynamic); returns every file written.

    The dynamo exporter may put weights in a side file next to the .onnx: it is listed too,
    so sizes count it and bundles ship it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    before = set(path.parent.iterdir())
    example = example[:2] if len(example) >= 2 else torch.cat([example, example])
    with warnings.catch_warnings(), _quiet_exporter():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            _capture(model.eval(), example), (example,), input_names=["input"], verbose=False
        )
        program.save(str(path))
    written = {path} | (set(path.parent.iterdir()) - before)
    return sorted(p for p in written if p.is_file())


def _capture(model: nn.Module, example: torch.Tensor) -> torch.export.ExportedProgram:
    """torch.export with a dynamic batch: non-strict first, then strict (Dynamo) tracing.

    Non-strict tracing fixes the batch size when a model calls `len(x)` (the VAE's decoder
    does); Dynamo keeps it symbolic. Left to torch.onnx.export, such a model would silently
    get a fixed batch of 2.
    """
    from torch._dynamo.exc import UserError

    shapes = ({0: torch.export.Dim("batch", min=1, max=65536)},)
    try:
        return torch.export.export(model, (example,), dynamic_shapes=shapes, strict=False)
    except UserError:  # "Constraints violated (batch)"
        return torch.export.export(model, (example,), dynamic_shapes=shapes, strict=True)


class _quiet_exporter:
    """Silence the exporter's progress lines on the root logger and stdout."""

    def __enter__(self) -> None:
        self.level = logging.getLogger("torch.onnx").level
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)

    def __exit__(self, *exc) -> None:
        logging.getLogger("torch.onnx").setLevel(self.level)


def onnx_session(path: Path):
    """An onnxruntime CPU session for `path`."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run_onnx(session, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The session's first output for `x`, computed in batches."""
    name = session.get_inputs()[0].name
    outs = [
        session.run(None, {name: np.ascontiguousarray(x[i : i + batch_size], dtype=np.float32)})[0]
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(outs)


def torch_outputs(model: nn.Module, x: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """The model's first output for `x` (tuple outputs, e.g. a VAE's, give their first part)."""
    outs = []
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            out = model(x[i : i + batch_size])
            outs.append((out[0] if isinstance(out, tuple) else out).numpy())
    return np.concatenate(outs)


def parity(
    model: nn.Module, session, x: torch.Tensor, classify: bool, reference: np.ndarray | None = None
) -> dict:
    """Max |onnx - torch| on `x` and, for classifiers, the share of equal predicted classes."""
    ref = torch_outputs(model, x) if reference is None else reference
    got = run_onnx(session, x.numpy())
    agree = float((got.argmax(1) == ref.argmax(1)).mean()) if classify else None
    return {
        "max_abs_diff": float(np.abs(got - ref).max()),
        "class_agreement": agree,
        "checked_examples": len(x),
    }


def export_checked_onnx(run, out: Path, name: str = "model.onnx") -> tuple[list[Path], dict]:
    """Export the run's model and check it on the whole test split; refuse any disagreement."""
    if not (run.folder / "checkpoint.safetensors").exists():
        raise LabInputError(f"run {run.id} has no checkpoint to export (status: {run.status})")
    model, ds = run.model(), run.dataset
    x = ds.x["test"]
    files = to_onnx(model, x, out / name)
    session = onnx_session(out / name)
    if not isinstance(session.get_inputs()[0].shape[0], str):
        _refuse(files, "the ONNX model only takes a fixed batch size: export refused")
    report = parity(model, session, x, classify=bool(ds.classes))
    if report["class_agreement"] is not None and report["class_agreement"] < 1.0:
        n = round((1 - report["class_agreement"]) * len(x))
        _refuse(
            files,
            f"the ONNX model predicts a different class than PyTorch on {n} of {len(x)} test "
            f"examples (max |difference| {report['max_abs_diff']:.2e}): export refused",
        )
    if report["class_agreement"] is None and not report["max_abs_diff"] <= VALUE_TOLERANCE:
        _refuse(
            files,
            f"the ONNX model's outputs differ from PyTorch's by up to {report['max_abs_diff']:.2e} "
            f"on the test split (tolerance {VALUE_TOLERANCE:g}): export refused",
        )
    (out / "parity.json").write_text(json.dumps(report, indent=2))
    return files, report


def _refuse(files: list[Path], message: str) -> None:
    """Delete what was written and raise ExportParityError."""
    for f in files:
        f.unlink(missing_ok=True)
    raise ExportParityError(message)
