"""Shareable links: a training setup as short, flat URL query parameters, and back."""

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from lepton_core.config import TrainSpec
from lepton_core.errors import LabInputError

# TrainSpec field -> its short query parameter
TRAIN_KEYS = {
    "epochs": "epochs",
    "batch_size": "batch",
    "lr": "lr",
    "optimizer": "opt",
    "weight_decay": "wd",
    "schedule": "sched",
    "seed": "seed",
    "patience": "patience",
}
MODEL_PREFIX = "m."  # model options: m.channels=32
DATA_PREFIX = "d."  # data options of a built-in set: d.lookback=24
KEYS = ("data", "model", *TRAIN_KEYS.values())


@dataclass
class Setup:
    """A training setup read from a link: built-in data, model and settings that differ."""

    data: str
    model: str
    data_options: dict = field(default_factory=dict)
    model_options: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)  # TrainSpec field -> value


def is_link(params: Mapping[str, str]) -> bool:
    """Whether query parameters carry a shared setup."""
    return any(k in KEYS or k.startswith((MODEL_PREFIX, DATA_PREFIX)) for k in params)


def train_defaults(model: str) -> dict:
    """The settings a new run of `model` gets when nothing is set (TrainSpec + the family's)."""
    from lepton_core.models import MODELS

    spec = {f.name: getattr(TrainSpec(), f.name) for f in fields(TrainSpec) if f.name in TRAIN_KEYS}
    return spec | MODELS.get(model).train_defaults


def _options(model: str) -> dict[str, inspect.Parameter]:
    from lepton_core.models import MODELS

    params = list(inspect.signature(MODELS.get(model).builder).parameters.values())
    return {p.name: p for p in params[2:]}  # after (input_shape, n_outputs)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def encode_setup(
    data_source: str, data_options: dict, model: str, model_options: dict, train: dict
) -> dict[str, str]:
    """Query parameters for a setup; only values that differ from the defaults are written."""
    check_data(data_source)
    params = {"data": data_source, "model": model}
    params |= {f"{DATA_PREFIX}{k}": _text(v) for k, v in sorted(data_options.items())}
    builder = _options(model)
    for name, value in sorted(model_options.items()):
        if name not in builder or value != builder[name].default:
            params[f"{MODEL_PREFIX}{name}"] = _text(value)
    defaults = train_defaults(model)
    for name, key in TRAIN_KEYS.items():
        if name in train and train[name] != defaults[name]:
            params[key] = _text(train[name])
    return params


def check_data(source: str) -> None:
    """Refuse anything but a built-in dataset's name (a path never comes from a link)."""
    from lepton_core.data import list_datasets

    names = [d["name"] for d in list_datasets()]
    if source in names:
        return
    if any(c in source for c in "/\\.~:"):
        raise LabInputError(
            "data: a link can only share a built-in dataset; uploaded files stay on the "
            "computer that uploaded them (upload it again on the Data page)"
        )
    raise LabInputError(f"data: no built-in dataset {source!r} (built-ins: {', '.join(names)})")


def _parse(key: str, text: str, kind: str):
    try:
        if kind == "bool":
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if kind == "list":
            return [int(v) for v in text.split(",")]
        return {"int": int, "float": float, "str": str}[kind](text)
    except ValueError:
        what = {"bool": "true or false", "list": "whole numbers separated by commas"}
        wanted = what.get(kind, f"a {'whole ' if kind == 'int' else ''}number")
        raise LabInputError(f"link parameter {key}: must be {wanted}, got {text!r}") from None


def _kind(param: inspect.Parameter) -> str:
    default, hint = param.default, str(param.annotation)
    if isinstance(default, bool) or "bool" in hint:
        return "bool"
    if isinstance(default, list | tuple) or "tuple" in hint or "list" in hint:
        return "list"
    if isinstance(default, float) or "float" in hint:
        return "float"
    return "int" if isinstance(default, int) or "int" in hint else "str"


def _model_option(key: str, param: inspect.Parameter, text: str):
    value = _parse(key, text, _kind(param))
    numbers = value if isinstance(value, list) else [value]
    for v in numbers:
        if isinstance(v, bool) or not isinstance(v, int | float):
            continue
        low_ok = v >= 0 if isinstance(v, float) else v >= 1
        if not low_ok or ("dropout" in param.name and v >= 1) or v > 4096:
            raise LabInputError(f"link parameter {key}: {text} is out of range")
    return value


def decode_setup(params: Mapping[str, str]) -> Setup:
    """The setup a link describes; LabInputError naming the parameter on anything invalid.
    Parameters that are not part of a setup (e.g. run=...) are ignored."""
    from lepton_core.data import list_datasets
    from lepton_core.models import MODELS
    from lepton_core.tasks import GENERATIVE

    if "data" not in params or "model" not in params:
        raise LabInputError("the link needs both data=... and model=...")
    data, model = params["data"], params["model"]
    check_data(data)
    if model not in MODELS.names():
        raise LabInputError(f"model: unknown model {model!r} (known: {', '.join(MODELS.names())})")
    task = next(d["task"] for d in list_datasets() if d["name"] == data)
    if task not in MODELS.get(model).tasks and GENERATIVE.get(task) not in MODELS.get(model).tasks:
        raise LabInputError(f"model: {model} does not fit the {data} data ({task})")
    setup = Setup(data, model)
    types = {f.name: f.type for f in fields(TrainSpec)}
    for name, key in TRAIN_KEYS.items():
        if key in params:
            kind = {"int": "int", "float": "float"}.get(getattr(types[name], "__name__", ""), "str")
            setup.train[name] = _parse(key, params[key], kind)
            try:
                TrainSpec(**{name: setup.train[name]}).validate(False)
            except LabInputError as e:
                raise LabInputError(f"link parameter {key}: {e}") from None
    allowed = _options(model)
    for key, text in params.items():
        if key.startswith(MODEL_PREFIX):
            name = key.removeprefix(MODEL_PREFIX)
            if name not in allowed:
                known = ", ".join(allowed) or "none"
                raise LabInputError(f"link parameter {key}: {model} has no such option ({known})")
            setup.model_options[name] = _model_option(key, allowed[name], text)
        elif key.startswith(DATA_PREFIX):
            value = text
            for kind in ("int", "float"):
                try:
                    value = _parse(key, text, kind)
                    break
                except LabInputError:
                    pass
            setup.data_options[key.removeprefix(DATA_PREFIX)] = value
    return setup
