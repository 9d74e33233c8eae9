"""The model variants a comparison measures: what each file is, and how to run it.

COMPRESS_METHODS is the registry of compression methods (int8, prune): each builds one Variant.
"""

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from torch import nn

from lepton_core.compress.measure import Predict, onnx_predict, torch_predict
from lepton_core.compress.prune import finetune_on_run, prune_model
from lepton_core.registry import Registry

if TYPE_CHECKING:
    from lepton_core.data import LabDataset
    from lepton_core.runs import Run

COMPRESS_METHODS = Registry("compression method")
ONNX, TORCH = "ONNX Runtime", "PyTorch"


@dataclass
class Variant:
    """One way to ship the run's model: its files, a predict function and its stored weights."""

    name: str  # e.g. "int8", "pruned-50"
    label: str  # what the table shows
    runtime: str  # ONNX or TORCH
    files: list[Path]  # every file you would ship (sizes count them all)
    predict: Predict
    weights: list = field(default_factory=list)  # stored weight arrays (non-zero counts)
    note: str = ""


@dataclass
class Source:
    """The run being compressed: its float model, data and the folder variants are written to."""

    run: "Run"
    model: nn.Module
    ds: "LabDataset"
    folder: Path


def original(src: Source) -> Variant:
    """The run's checkpoint as trained."""
    files = [src.run.folder / "checkpoint.safetensors", src.run.folder / "model.json"]
    return Variant("original", "Original (float32)", TORCH, files, torch_predict(src.model),
                   list(src.model.parameters()), "checkpoint.safetensors + model.json")  # fmt: skip


def export_float(src: Source) -> list[Path]:
    """The float ONNX files of `src` (exported once per checkpoint)."""
    from lepton_core.compress.int8_static import export_float as export

    return export(src.run, src.model, src.folder)


def float_onnx(src: Source) -> Variant:
    """The float32 model exported to ONNX (the baseline of the int8 ONNX)."""
    from lepton_core.compress.int8_static import onnx_weights

    files = export_float(src)
    note = f"{', '.join(f.name for f in files)}: the same float32 model, run by ONNX Runtime"
    return Variant("float-onnx", "Float32 ONNX", ONNX, files, onnx_predict(files[0]),
                   onnx_weights(files[0]), note)  # fmt: skip


def has_conv(model: nn.Module) -> bool:
    """True when the model has convolutions (static int8 through ONNX Runtime fits it)."""
    return any(isinstance(m, nn.Conv1d | nn.Conv2d | nn.Conv3d) for m in model.modules())


@COMPRESS_METHODS.register("int8")
def int8(src: Source, **_options) -> Variant:
    """Int8 weights: static QDQ ONNX for conv nets, PyTorch dynamic quantization otherwise."""
    if has_conv(src.model):
        from lepton_core.compress.int8_static import (
            calibration_samples,
            onnx_weights,
            quantize_onnx,
        )

        float_files = export_float(src)
        calibration = calibration_samples(src.ds.x["train"])
        files = quantize_onnx(float_files[0], src.folder / "int8.onnx", calibration)
        note = (f"int8.onnx: static int8 (QDQ), activation ranges calibrated on "
                f"{len(calibration)} training samples, per-channel weights")  # fmt: skip
        return Variant("int8", "Int8 ONNX (static)", ONNX, files, onnx_predict(files[0]),
                       onnx_weights(files[0]), note)  # fmt: skip
    from lepton_core.compress.int8_dynamic import quantize_dynamic_model, save_int8, stored_weights

    qmodel = quantize_dynamic_model(src.model)
    files = save_int8(src.model, qmodel, src.folder)
    note = ("int8.safetensors + model.json: Linear/LSTM/GRU weights int8 with a scale each, "
            "activations quantized on the fly (PyTorch dynamic quantization)")  # fmt: skip
    return Variant("int8", "Int8 PyTorch (dynamic)", TORCH, files, torch_predict(qmodel),
                   stored_weights(files[0], src.model), note)  # fmt: skip


@COMPRESS_METHODS.register("prune")
def pruned(src: Source, sparsity: float = 0.5, finetune_epochs: int = 0, **_options) -> Variant:
    """The smallest `sparsity` share of weights set to zero (then optionally fine-tuned)."""
    from lepton_core.models import save_lab_model

    pct = round(100 * sparsity)
    name = f"pruned-{pct}" + (f"-ft{finetune_epochs}" if finetune_epochs else "")
    tune = finetune_on_run(src.run, src.ds, finetune_epochs) if finetune_epochs else None
    model = prune_model(copy.deepcopy(src.model), sparsity, tune)
    save_lab_model(model, src.folder, name)
    files = [src.folder / f"{name}.safetensors", src.folder / "model.json"]
    label = f"Pruned {pct}%" + (f" + {finetune_epochs} epoch fine-tune" if finetune_epochs else "")
    note = (f"{name}.safetensors + model.json: zeros are stored and multiplied like any weight "
            "(same size, same speed); only the zipped size shrinks")  # fmt: skip
    return Variant(name, label, TORCH, files, torch_predict(model), list(model.parameters()),
                   note)  # fmt: skip
