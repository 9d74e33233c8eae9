"""LabModel: normalisation + a registered network, saved as safetensors + JSON."""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from lepton_core.models.registry import get_model


class Normalize(nn.Module):
    """(x - mean) / std per channel; the statistics travel with the weights."""

    def __init__(self, mean: list[float], std: list[float]) -> None:
        super().__init__()
        shape = (1, len(mean), 1, 1)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(shape))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class LabModel(nn.Module):
    """Images in [0, 1] (B, C, H, W) -> logits; tables (B, F) or windows (B, T, F) -> outputs.

    Images are normalised inside the model; tables and series arrive already preprocessed.
    """

    def __init__(self, meta: dict) -> None:
        super().__init__()
        self.meta = meta
        self.normalize = Normalize(meta["mean"], meta["std"]) if meta["mean"] else nn.Identity()
        n_outputs = meta.get("n_outputs") or len(meta["classes"])
        self.net = get_model(
            meta["model"], tuple(meta["input_shape"]), n_outputs, **meta["options"]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.normalize(x))


def build_lab_model(
    name: str,
    options: dict,
    input_shape: tuple,
    classes: list[str],
    mean: list,
    std: list,
    n_outputs: int | None = None,
    task: str = "image-classification",
) -> LabModel:
    """A fresh model with everything needed to rebuild it recorded in `meta`."""
    meta = {
        "model": name,
        "task": task,
        "options": options,
        "input_shape": list(input_shape),
        "classes": list(classes),
        "n_outputs": n_outputs or len(classes),
        "mean": list(mean),
        "std": list(std),
    }
    return LabModel(meta)


def model_for(name: str, options: dict, ds) -> LabModel:
    """A fresh model sized for LabDataset `ds`."""
    return build_lab_model(
        name, options, ds.input_shape, ds.classes, *ds.channel_stats(), ds.n_outputs, ds.task
    )


def save_lab_model(model: LabModel, folder: Path, name: str = "checkpoint") -> None:
    """Write `<name>.safetensors` and `model.json` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    _write_atomic(folder / f"{name}.safetensors", lambda tmp: save_file(state, str(tmp)))
    meta = json.dumps(model.meta, indent=2)
    _write_atomic(folder / "model.json", lambda tmp: tmp.write_text(meta))


def _write_atomic(path: Path, write) -> None:
    """`write(tmp)` then rename over `path`: a reader never sees half a file, and a failed
    write (a full disk) leaves the earlier file as it was and no temporary file behind."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_lab_model(folder: Path, name: str = "checkpoint") -> LabModel:
    """Rebuild from `model.json` and load `<name>.safetensors` strictly, in eval mode."""
    meta = json.loads((folder / "model.json").read_text())
    model = LabModel(meta)
    model.load_state_dict(load_file(str(folder / f"{name}.safetensors")), strict=True)
    return model.eval()
