"""Int8 for Linear/LSTM/GRU layers: PyTorch dynamic quantization, shipped as int8 safetensors.

Weights are stored as int8 with a per-tensor scale; activations are quantized on the fly.
`torch.ao.quantization` is deprecated (it warns and points to torchao) but still works in torch
2.14. torchao 0.18 (`quantize_` + `Int8DynamicActivationInt8WeightConfig`) was tried on this
CPU: it quantizes Linear layers only (no LSTM/GRU), and ran a 784-256-128-10 MLP 15-20x slower
than float32 (1.1 ms vs 0.07 ms at batch 1; torch.ao: 0.16 ms), so the eager torch.ao API stays.
"""

import copy
import json
import warnings
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.ao.nn.quantized import dynamic as nnqd

from lepton_core.models import LabModel

QUANTIZED_LAYERS = {nn.Linear, nn.LSTM, nn.GRU}
FORMAT = "lepton-int8-dynamic"


def has_dynamic_layers(model: nn.Module) -> bool:
    """True when the model has layers dynamic quantization turns into int8."""
    return any(type(m) in QUANTIZED_LAYERS for m in model.modules())


def quantize_dynamic_model(model: nn.Module) -> nn.Module:
    """An int8 copy of `model`: Linear, LSTM and GRU weights int8, everything else float."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notices
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(copy.deepcopy(model).eval(), QUANTIZED_LAYERS, dtype=torch.qint8)


def _quantized_weights(qmodel: nn.Module) -> dict[str, torch.Tensor]:
    """State-dict name -> quantized weight tensor, for every int8 layer of `qmodel`."""
    weights = {}
    for name, module in qmodel.named_modules():
        if isinstance(module, nnqd.Linear):
            weights[f"{name}.weight"] = module.weight()
        elif isinstance(module, nnqd.LSTM | nnqd.GRU):
            for key, w in module._weight_bias()["weight"].items():
                weights[f"{name}.{key}"] = w
    return weights


def save_int8(model: LabModel, qmodel: nn.Module, folder: Path, name: str = "int8") -> list[Path]:
    """Write `name`.safetensors (int8 weights, their scale and zero point; other tensors float32)
    and model.json into `folder`; returns both files."""
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    for key, w in _quantized_weights(qmodel).items():
        if w.qscheme() not in (torch.per_tensor_affine, torch.per_tensor_symmetric):
            raise ValueError(f"{key}: expected per-tensor quantization, got {w.qscheme()}")
        state[key] = w.int_repr().contiguous()
        state[f"{key}.scale"] = torch.tensor(w.q_scale(), dtype=torch.float32)
        state[f"{key}.zero_point"] = torch.tensor(w.q_zero_point(), dtype=torch.int32)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.safetensors"
    save_file(state, str(path), metadata={"format": FORMAT})
    (folder / "model.json").write_text(json.dumps(model.meta, indent=2))
    return [path, folder / "model.json"]


def stored_weights(path: Path, model: nn.Module) -> list[torch.Tensor]:
    """The file's values of `model`'s parameters (int8 where quantized; no buffers, no scales)."""
    tensors = load_file(str(path))
    return [tensors[name] for name, _ in model.named_parameters()]


def load_int8(folder: Path, name: str = "int8") -> nn.Module:
    """Rebuild the int8 model from `name`.safetensors + model.json, with the stored int8 values."""
    meta = json.loads((folder / "model.json").read_text())
    tensors = load_file(str(folder / f"{name}.safetensors"))
    quantized = {k: v for k, v in tensors.items() if v.dtype == torch.int8}
    qtensors = {
        k: torch._make_per_tensor_quantized_tensor(
            v, tensors[f"{k}.scale"].item(), tensors[f"{k}.zero_point"].item()
        )
        for k, v in quantized.items()
    }
    extra = {f"{k}.{s}" for k in quantized for s in ("scale", "zero_point")}
    state = {k: v for k, v in tensors.items() if k not in extra}
    state |= {k: q.dequantize() for k, q in qtensors.items()}
    model = LabModel(meta)
    model.load_state_dict(state, strict=True)
    qmodel = quantize_dynamic_model(model)
    for prefix, module in qmodel.named_modules():  # re-quantizing may round differently: set
        if isinstance(module, nnqd.Linear):  # the stored int8 values back exactly
            module.set_weight_bias(qtensors[f"{prefix}.weight"], module.bias())
        elif isinstance(module, nnqd.LSTM | nnqd.GRU):
            parts = module._weight_bias()
            module.set_weight_bias(
                parts["bias"] | {k: qtensors[f"{prefix}.{k}"] for k in parts["weight"]}
            )
    return qmodel.eval()
