"""Shareable links: a training setup to short query parameters and back, validated."""

import pytest

from lepton_core.errors import LabInputError
from lepton_core.share import decode_setup, encode_setup, is_link


def test_round_trip_writes_only_what_differs_from_defaults():
    options = {"blocks": 3, "channels": 32, "dropout": 0.2, "batch_norm": False}
    train = {"epochs": 3, "lr": 2e-3, "batch_size": 64, "optimizer": "sgd", "seed": 0}
    params = encode_setup("digits", {}, "cnn", options, train)
    assert params == {
        "data": "digits",
        "model": "cnn",
        "m.batch_norm": "false",
        "m.channels": "32",
        "epochs": "3",
        "lr": "0.002",
        "opt": "sgd",
    }
    setup = decode_setup({**params, "run": "abc123"})  # other parameters are not part of it
    assert (setup.data, setup.model) == ("digits", "cnn")
    assert setup.model_options == {"channels": 32, "batch_norm": False}
    assert setup.train == {"epochs": 3, "lr": 2e-3, "optimizer": "sgd"}
    assert is_link(params) and not is_link({"run": "abc123"})


def test_family_defaults_and_lists_round_trip():
    # the VAE family trains 30 epochs by default: 30 is left out, 15 is not
    assert "epochs" not in encode_setup("digits", {}, "vae", {}, {"epochs": 30})
    assert encode_setup("digits", {}, "vae", {}, {"epochs": 15})["epochs"] == "15"
    params = encode_setup("wine", {}, "mlp", {"hidden": [64, 32]}, {"weight_decay": 0.0})
    assert params["m.hidden"] == "64,32" and params["wd"] == "0.0"
    assert decode_setup(params).model_options == {"hidden": [64, 32]}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"epochs": "0"}, "epochs"),
        ({"epochs": "2.5"}, "epochs"),
        ({"lr": "fast"}, "lr"),
        ({"lr": "-1"}, "lr"),
        ({"opt": "rmsprop"}, "opt"),
        ({"m.dropout": "1.5"}, "m.dropout"),
        ({"m.batch_norm": "maybe"}, "m.batch_norm"),
        ({"m.colour": "red"}, "m.colour"),
        ({"model": "lstm"}, "model"),  # does not fit image data
        ({"model": "gpt"}, "model"),
        ({"data": "mnist"}, "data"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(params, named):
    with pytest.raises(LabInputError, match=f"^(link parameter )?{named}"):
        decode_setup({"data": "digits", "model": "cnn"} | params)


@pytest.mark.parametrize("path", ["/home/ann/uploads/cats.zip", "../runs/x", "C:\\data.csv"])
def test_upload_paths_never_come_from_a_link(path):
    with pytest.raises(LabInputError, match="only share a built-in dataset"):
        decode_setup({"data": path, "model": "cnn"})
    with pytest.raises(LabInputError, match="only share a built-in dataset"):
        encode_setup(path, {}, "cnn", {}, {})
