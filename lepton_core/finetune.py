"""Fine-tuning: start a model from earlier weights (a run, or a safetensors state dict).

Every tensor whose name and shape match is copied. The output layer (the head) is re-initialised
when the classes (or the number of outputs) differ; any other mismatch is refused, naming the
first bad tensors. The normalisation stays this data's own. With `freeze_backbone` only the
head trains. Nothing pickled is ever loaded: safetensors only.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from lepton_core.config import RunConfig, TrainSpec, is_weights_file
from lepton_core.errors import LabInputError
from lepton_core.models import model_for
from lepton_core.runs.store import RunStore

INIT_FILE = "init.json"  # what a fine-tuned run started from, beside its config


@dataclass
class Source:
    """Starting weights, keyed like a LabModel's state dict ("net.…")."""

    label: str  # "run <id>" or "file <name>"
    state: dict[str, torch.Tensor]
    meta: dict | None = None  # the run's model.json; None for a file


def load_weights_file(path: str | Path) -> dict[str, torch.Tensor]:
    """A safetensors state dict, or a LabInputError saying the file is not one."""
    path = Path(path)
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise LabInputError(
            f"{path.name} is not a readable safetensors file ({e}); only .safetensors weights "
            "are accepted, never pickles (.pt, .pth)"
        ) from None
    if not state:
        raise LabInputError(f"{path.name} holds no tensors")
    return state


def load_source(init_from: str, store: RunStore) -> Source:
    """The weights `init_from` names: a finished run's best checkpoint or a safetensors file."""
    if is_weights_file(init_from):
        state = {}
        for key, value in load_weights_file(init_from).items():
            key = key.removeprefix("module.")  # saved from a DataParallel wrapper
            if not key.startswith("normalize."):
                state[key if key.startswith("net.") else f"net.{key}"] = value
        return Source(f"file {Path(init_from).name}", state)
    folder = store.folder(store.get(init_from).id)
    if not (folder / "checkpoint.safetensors").exists():
        raise LabInputError(f"run {init_from} has no trained weights to start from")
    meta = json.loads((folder / "model.json").read_text())
    return Source(f"run {init_from}", load_file(str(folder / "checkpoint.safetensors")), meta)


def head_prefix(model: nn.Module) -> str | None:
    """State-dict prefix of the output layer (the last Linear); None for the VAE."""
    if model.meta["task"] == "image-generation":
        return None
    linears = [n for n, m in model.net.named_modules() if isinstance(m, nn.Linear)]
    return f"net.{linears[-1]}." if linears else None


def _shape(t: torch.Tensor) -> str:
    return "×".join(map(str, t.shape)) or "scalar"


def _check_run_fits(model: nn.Module, source: Source) -> None:
    meta, want = source.meta, model.meta
    if meta["model"] != want["model"]:
        raise LabInputError(
            f"{source.label} trained a {meta['model']}; to start from it, choose the model "
            f"{meta['model']} (this run uses {want['model']})"
        )
    if list(meta["input_shape"]) != list(want["input_shape"]):
        there, here = (" × ".join(map(str, s)) for s in (meta["input_shape"], want["input_shape"]))
        raise LabInputError(
            f"{source.label} was trained on inputs of shape {there}, this data has {here}: "
            "fine-tuning needs the same input shape (channels and size)"
        )


def _adapt_stem(key: str, value: torch.Tensor, want: torch.Tensor, first_conv: str):
    """An RGB stem conv for gray data: its filters summed over the colour channels."""
    if key == first_conv and value.shape[1] == 3 and want.shape[1] == 1:
        if value.shape[:1] + value.shape[2:] == want.shape[:1] + want.shape[2:]:
            return value.sum(dim=1, keepdim=True)
    return None


def plan_state(model: nn.Module, source: Source) -> tuple[dict, dict]:
    """The state dict to load, and what was copied, adapted or re-initialised."""
    head = head_prefix(model)
    same_outputs = source.meta is None or (
        source.meta["classes"] == model.meta["classes"]
        and source.meta.get("n_outputs") == model.meta.get("n_outputs")
    )
    convs = [n for n, m in model.net.named_modules() if isinstance(m, nn.Conv2d)]
    first_conv = f"net.{convs[0]}.weight" if convs else ""
    state = model.state_dict()
    copied, adapted, fresh, bad = [], [], [], []
    for key, want in state.items():
        if key.startswith("normalize."):
            continue
        in_head = head is not None and key.startswith(head)
        have = source.state.get(key)
        if have is not None and have.shape == want.shape and (same_outputs or not in_head):
            state[key] = have.to(want.dtype).clone()
            copied.append(key)
        elif in_head:
            fresh.append(key)
        elif have is None:
            bad.append(f"{key} ({_shape(want)}) is missing there")
        elif source.meta is None and (fit := _adapt_stem(key, have, want, first_conv)) is not None:
            state[key] = fit.to(want.dtype)
            adapted.append(key)
        else:
            bad.append(f"{key} is {_shape(have)} there but {_shape(want)} here")
    extra = [k for k in source.state if k not in state and not (head and k.startswith(head))]
    bad += [f"{k} ({_shape(source.state[k])}) is not in this model" for k in extra]
    if bad:
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        hint = ""
        if source.meta is not None and source.meta["options"] != model.meta["options"]:
            hint = f". That run's model options were {source.meta['options']}: use the same"
        raise LabInputError(
            f"the weights of {source.label} do not fit {model.meta['model']}: "
            f"{'; '.join(bad[:3])}{more}{hint}"
        )
    return state, {"copied": copied, "adapted": adapted, "reinitialised": fresh}


def freeze_backbone(model: nn.Module) -> None:
    """Only the head's parameters stay trainable (the Trainer keeps frozen batch norm fixed)."""
    head = head_prefix(model)
    if head is None:
        raise LabInputError(
            f"{model.meta['model']} has no output layer to train alone; fine-tune it unfrozen"
        )
    for name, p in model.named_parameters():
        p.requires_grad_(name.startswith(head))


def initialise(model: nn.Module, spec: TrainSpec, store: RunStore) -> dict:
    """Load `spec.init_from` into `model` (and freeze it if asked); returns the init record."""
    source = load_source(spec.init_from, store)
    if source.meta is not None:
        _check_run_fits(model, source)
    own = model.state_dict()
    if not set(source.state) & set(own):
        first = next(iter(source.state)).removeprefix("net.")
        raise LabInputError(
            f"{source.label} holds weights of another architecture, not {model.meta['model']}: "
            f"none of its {len(source.state)} tensor names (e.g. {first}) is one of this model's"
        )
    state, done = plan_state(model, source)
    model.load_state_dict(state, strict=True)
    if spec.freeze_backbone:
        freeze_backbone(model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {
        "source": source.label,
        "init_from": spec.init_from,
        "tensors_copied": len(done["copied"]),
        "tensors_adapted": done["adapted"],
        "tensors_reinitialised": done["reinitialised"],
        "frozen_backbone": spec.freeze_backbone,
        "trainable_parameters": trainable,
        "frozen_parameters": sum(p.numel() for p in model.parameters()) - trainable,
        "normalisation": "this data's own mean and std",
    }


def init_record(folder: Path) -> dict | None:
    """What a run started from (its init.json), or None for a run from random weights."""
    path = Path(folder) / INIT_FILE
    return json.loads(path.read_text()) if path.exists() else None


def check_init(config: RunConfig, ds, store: RunStore) -> None:
    """Refuse, before anything is stored, starting weights that do not fit this run's model."""
    if config.train.init_from:
        initialise(model_for(config.model.name, config.model.options, ds), config.train, store)
