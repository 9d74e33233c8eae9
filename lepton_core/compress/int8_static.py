"""Int8 for conv nets: static quantization in ONNX Runtime (QDQ), calibrated on training samples.

Dynamic quantization leaves convolutions in float, so it barely shrinks a conv net. Here the
float ONNX export goes through `quant_pre_process` (shape inference, graph optimisation) and
`quantize_static`, with activation ranges measured on a few hundred training samples.
"""

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quant_pre_process,
    quantize_static,
)

from lepton_core.export.onnx import to_onnx

if TYPE_CHECKING:
    from lepton_core.runs import Run

CALIBRATION_SAMPLES = 256
CALIBRATION_BATCH = 32
QDQ_PARAMS = ("QuantizeLinear", "DequantizeLinear")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_float(run: "Run", model: torch.nn.Module, folder: Path) -> list[Path]:
    """The run's float model as `folder`/float.onnx (+ any side file); re-exported only when the
    checkpoint changed, since the exporter takes seconds."""
    path, stamp = folder / "float.onnx", folder / "float.json"
    digest = _digest(run.folder / "checkpoint.safetensors")
    if path.exists() and stamp.exists():
        saved = json.loads(stamp.read_text())
        files = [folder / name for name in saved["files"]]
        if saved["checkpoint_sha256"] == digest and all(f.exists() for f in files):
            return files
    files = to_onnx(model, run.dataset.x["test"], path)
    if files == [path]:
        _strip_metadata(path)
    stamp.write_text(json.dumps({"checkpoint_sha256": digest, "files": [f.name for f in files]}))
    return files


def _strip_metadata(path: Path) -> None:
    """Drop the exporter's per-node notes (source stack traces, module paths): not needed to run,
    and a large share of a small model's file."""
    model = onnx.load(str(path))
    for node in model.graph.node:
        del node.metadata_props[:]
        node.doc_string = ""
    onnx.save(model, str(path))


class _Calibration(CalibrationDataReader):
    """Feeds training samples to onnxruntime's calibrator, one batch per `get_next`."""

    def __init__(self, input_name: str, x: np.ndarray) -> None:
        self.batches = iter(
            {input_name: np.ascontiguousarray(x[i : i + CALIBRATION_BATCH], dtype=np.float32)}
            for i in range(0, len(x), CALIBRATION_BATCH)
        )

    def get_next(self) -> dict | None:
        return next(self.batches, None)


def calibration_samples(x_train: torch.Tensor, seed: int = 0) -> np.ndarray:
    """A seeded random choice of up to CALIBRATION_SAMPLES training inputs."""
    order = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(seed))
    return x_train[order[:CALIBRATION_SAMPLES]].numpy()


def quantize_onnx(float_path: Path, out: Path, calibration: np.ndarray) -> list[Path]:
    """Write the int8 QDQ model to `out`; returns its files."""
    pre = out.with_name(f".{out.stem}-pre.onnx")
    quant_pre_process(str(float_path), str(pre))
    input_name = onnx.load(str(pre), load_external_data=False).graph.input[0].name
    reader = _Calibration(input_name, calibration)
    try:
        quantize_static(
            str(pre), str(out), reader, quant_format=QuantFormat.QDQ,
            per_channel=True,  # one scale per output channel: conv filters differ in range
            # 7-bit weights: AVX2 CPUs without VNNI saturate u8 x s8 products (ORT's docs);
            # the file may run on any CPU, so always
            reduce_range=True,
            weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
        )  # fmt: skip
    finally:
        pre.unlink(missing_ok=True)
    return [out]


def onnx_weights(path: Path) -> list[np.ndarray]:
    """The values an ONNX file stores as weights: initializers except quantization scales, zero
    points and int64 shape constants."""
    model = onnx.load(str(path))
    qdq = {n.input[i] for n in model.graph.node if n.op_type in QDQ_PARAMS for i in (1, 2)
           if i < len(n.input)}  # fmt: skip
    return [
        numpy_helper.to_array(t)
        for t in model.graph.initializer
        if t.name not in qdq and t.data_type != onnx.TensorProto.INT64
    ]
