"""A layer table (layer, output shape, parameters) from one dry forward pass."""

import torch
from torch import nn


def model_summary(model: nn.Module, input_shape: tuple[int, ...]) -> list[dict]:
    """One row per leaf layer, in call order, with its output shape and parameter count."""
    rows: list[dict] = []
    hooks = []
    for name, module in model.named_modules():
        if list(module.children()) or isinstance(module, nn.Identity):
            continue

        def hook(mod: nn.Module, _inp, out, name: str = name) -> None:
            if isinstance(out, tuple):  # RNNs return (output, hidden state)
                out = out[0]
            rows.append(
                {
                    "layer": name,
                    "type": type(mod).__name__,
                    "output_shape": list(out.shape[1:]),
                    "params": sum(p.numel() for p in mod.parameters()),
                }
            )

        hooks.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return rows


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def describe_model(name: str, options: dict, ds) -> tuple[list[dict], int]:
    """Summary rows and trainable parameters of a model for LabDataset `ds`, before training."""
    from lepton_core.models.lab_model import model_for

    model = model_for(name, options, ds)
    rows = [r for r in model_summary(model, ds.input_shape) if r["type"] != "Normalize"]
    table = [
        {
            "layer": r["layer"].removeprefix("net."),
            "type": r["type"],
            "output shape": " × ".join(map(str, r["output_shape"])),
            "parameters": r["params"],
        }
        for r in rows
    ]
    return table, count_parameters(model)
