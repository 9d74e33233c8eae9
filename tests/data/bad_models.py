"""Malformed model files (weights to fine-tune from) and configs for the corpus tests.

One function per case; weights cases return the bytes of a file named `*.safetensors`.
"""

import io
import json
import pickle
import struct

import torch
from safetensors.torch import save as save_tensors


class _Boom:
    """What a malicious pickle would run on load (never executed: the file is refused)."""

    def __reduce__(self):
        return (print, ("a pickle was loaded",))


def pickle_renamed() -> bytes:
    """A torch.save pickle (with a payload object) under a .safetensors name."""
    buf = io.BytesIO()
    torch.save({"net.0.weight": torch.zeros(2, 2), "x": _Boom()}, buf)
    return buf.getvalue()


def plain_pickle() -> bytes:
    """A bare Python pickle under a .safetensors name."""
    return pickle.dumps({"net.0.weight": [0.0] * 4}, protocol=4)


def huge_header_length() -> bytes:
    """A header that declares 2**62 bytes of JSON in a tiny file."""
    return struct.pack("<Q", 2**62) + b'{"a": {}}'


def header_past_the_end() -> bytes:
    """A header that declares a tensor whose bytes lie past the end of the file."""
    header = json.dumps({"w": {"dtype": "F32", "shape": [1000, 1000], "data_offsets": [0, 4e6]}})
    raw = header.encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(16)


def wrong_keys() -> bytes:
    """A valid safetensors file whose tensors have names no lab model uses."""
    return save_tensors({"encoder.layer.0.weight": torch.zeros(4, 4), "bias": torch.zeros(4)})


def wrong_shapes(state: dict[str, torch.Tensor]) -> bytes:
    """A model's own state dict with every tensor's first dimension grown by one."""
    grown = {k: torch.zeros(v.shape[0] + 1, *v.shape[1:]) for k, v in state.items() if v.dim()}
    return save_tensors(grown)


def no_tensors() -> bytes:
    """A valid safetensors file that holds nothing."""
    return save_tensors({})


# name -> (generator, words the message must contain); wrong_shapes needs a model's state.
WEIGHT_CASES = {
    "pickle-renamed": (pickle_renamed, "safetensors"),
    "plain-pickle": (plain_pickle, "safetensors"),
    "huge-header": (huge_header_length, "safetensors"),
    "header-past-end": (header_past_the_end, "safetensors"),
    "wrong-keys": (wrong_keys, "another architecture"),
    "no-tensors": (no_tensors, "no tensors"),
}


def config(**train) -> dict:
    """A valid run config (digits, seed-cnn, one epoch) with `train` fields replaced."""
    spec = {"epochs": 1, "batch_size": 32, "lr": 0.01} | train
    return {"data": {"source": "digits"}, "model": {"name": "seed-cnn"}, "train": spec}


# name -> (config dict or raw text, words the message must contain)
CONFIG_CASES = {
    "unknown-top": (config() | {"learning_rate": 0.1}, "unknown field(s) in config: learning_rate"),
    "unknown-train": (config(epoch=3), "unknown field(s) in train: epoch"),
    "unknown-augment": (config(augment={"flip": True}), "unknown field(s) in train.augment"),
    "epochs-1e9": (config(epochs=10**9), "epochs must be between 1 and 1000"),
    "lr-negative": (config(lr=-1), "learning rate must be > 0"),
    "batch-zero": (config(batch_size=0), "batch size must be between 1 and 4096"),
    "epochs-text": (config(epochs="ten"), "epochs must be a whole number, got 'ten'"),
    "batch-float": (config(batch_size=1.5), "batch size must be a whole number"),
    "seed-list": (config(seed=[1]), "seed must be a whole number"),
    "lr-nan": ('{"train": {"lr": NaN}}', "learning rate"),
    "lr-infinite": ('{"train": {"lr": Infinity}}', "learning rate"),
    "not-an-object": ("[1, 2, 3]", "config must be a JSON object"),
    "train-not-object": (config() | {"train": 5}, "train must be a JSON object"),
    "model-number": (config() | {"model": {"name": 5}}, "model.name must be text"),
    "data-list": (config() | {"data": {"source": ["digits"]}}, "data.source must be text"),
    "options-text": (
        config() | {"model": {"name": "cnn", "options": "big"}},
        "model.options must be a JSON object",
    ),
    "bad-json": ('{"train": {"epochs": 3,}', "cannot read config"),
    "binary": ("\x00\x01\x02", "cannot read config"),
}
