"""Instructor presets: a TOML file that sets the offered data, defaults, locks, hidden parts."""

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lepton_core.config import OPTIMIZERS, SCHEDULES, TrainSpec
from lepton_core.errors import LabInputError

ENV = "LEPTON_PRESET"
# settings a preset may give a default for, with the type each must have
SETTINGS: dict[str, type | tuple[type, ...]] = {
    "model": str,
    "epochs": int,
    "batch_size": int,
    "lr": (int, float),
    "optimizer": str,
    "weight_decay": (int, float),
    "schedule": str,
    "seed": int,
    "patience": int,
}
# controls a preset may hide: every setting, plus whole parts of the forms
CONTROLS = (*SETTINGS, "upload", "model_options", "start_from")
# pages a preset may hide (Home, Data and Train are the lab's path and always shown)
PAGES = tuple(f"pages/{p}.py" for p in ("evaluate", "explain", "generate", "deploy", "runs"))
LIMITS = {
    "max_epochs": 1000,
    "max_batch_size": 4096,
    "max_wall_minutes": 1440,
    "max_dataset_mb": 65536,
}
KEYS = (
    "datasets",
    "defaults",
    "locked",
    "hidden_pages",
    "hidden_controls",
    "limits",
    "welcome",
    "workshop",
)
# [workshop]: private workspaces, the instructor's workspace name, per-workspace quotas
WORKSHOP = {
    "private_workspaces": bool,
    "instructor": str,
    "max_runs": int,
    "max_upload_mb": int,
    "max_age_days": int,
}


@dataclass(frozen=True)
class Preset:
    """What an instructor fixed for a workshop; the empty preset changes nothing."""

    datasets: tuple[str, ...] = ()  # offered built-ins; empty = all
    defaults: dict = field(default_factory=dict)  # setting name -> value
    locked: frozenset[str] = frozenset()  # settings that keep their default
    hidden_pages: frozenset[str] = frozenset()  # e.g. "pages/deploy.py"
    hidden_controls: frozenset[str] = frozenset()  # e.g. "upload", "optimizer"
    limits: dict = field(default_factory=dict)  # max_epochs, max_batch_size, per-job caps
    workshop: dict = field(default_factory=dict)  # see WORKSHOP
    welcome: str = ""  # markdown shown on Home
    path: str = ""  # the file it was read from ("" = no preset)

    def offers(self, dataset: str) -> bool:
        """Whether a built-in dataset is offered."""
        return not self.datasets or dataset in self.datasets

    def shows(self, name: str) -> bool:
        """Whether a control ("upload", "epochs", ...) or a page ("pages/x.py") is shown."""
        return name not in self.hidden_controls and name not in self.hidden_pages

    def check(self, model: str, settings: dict) -> None:
        """Raise LabInputError when a new run breaks a lock or a limit of this preset."""
        values = {"model": model, **settings}
        for name in sorted(self.locked):
            if name in values and values[name] != self.defaults[name]:
                raise LabInputError(
                    f"{name} is set by your instructor to {self.defaults[name]!r} "
                    "and cannot be changed"
                )
        for limit, name in (("max_epochs", "epochs"), ("max_batch_size", "batch_size")):
            cap = self.limits.get(limit)
            if cap is not None and values.get(name, 0) > cap:
                what = name.replace("_", " ")
                raise LabInputError(f"{what} is at most {cap} in this workshop")


def _fail(path: Path, key: str, problem: str) -> LabInputError:
    return LabInputError(f"preset {path}: {key}: {problem}")


def _names(path: Path, data: dict, key: str, allowed) -> frozenset[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, key, "must be a list of names")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise _fail(path, key, f"unknown {', '.join(unknown)} (known: {', '.join(allowed)})")
    return frozenset(value)


def _defaults(path: Path, data: dict) -> dict:
    from lepton_core.models import MODELS

    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise _fail(path, "defaults", "must be a table of settings")
    choices = {"model": MODELS.names(), "optimizer": OPTIMIZERS, "schedule": SCHEDULES}
    for name, value in defaults.items():
        where = f"defaults.{name}"
        if name not in SETTINGS:
            raise _fail(path, where, f"unknown setting (known: {', '.join(SETTINGS)})")
        if not isinstance(value, SETTINGS[name]) or isinstance(value, bool):
            raise _fail(path, where, f"wrong type {type(value).__name__}")
        if name in choices and value not in choices[name]:
            raise _fail(path, where, f"must be one of {', '.join(choices[name])}")
        if name == "seed" and value < 0:
            raise _fail(path, where, f"must be >= 0, got {value}")
    try:  # the engine's own ranges (epochs, batch size, learning rate, ...)
        TrainSpec(**{k: v for k, v in defaults.items() if k != "model"}).validate(False)
    except LabInputError as e:
        raise _fail(path, "defaults", str(e)) from None
    return dict(defaults)


def _limits(path: Path, data: dict, defaults: dict) -> dict:
    limits = data.get("limits", {})
    if not isinstance(limits, dict):
        raise _fail(path, "limits", "must be a table")
    for key, value in limits.items():
        if key not in LIMITS:
            raise _fail(path, f"limits.{key}", f"unknown limit (known: {', '.join(LIMITS)})")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= LIMITS[key]:
            raise _fail(path, f"limits.{key}", f"must be a whole number 1..{LIMITS[key]}")
    for key, name in (("max_epochs", "epochs"), ("max_batch_size", "batch_size")):
        if key in limits and defaults.get(name, 0) > limits[key]:
            raise _fail(path, f"defaults.{name}", f"above limits.{key} = {limits[key]}")
    return dict(limits)


def _workshop(path: Path, data: dict) -> dict:
    table = data.get("workshop", {})
    if not isinstance(table, dict):
        raise _fail(path, "workshop", "must be a table")
    for key, value in table.items():
        kind = WORKSHOP.get(key)
        if kind is None:
            raise _fail(path, f"workshop.{key}", f"unknown (known: {', '.join(WORKSHOP)})")
        if not isinstance(value, kind) or (kind is int and (isinstance(value, bool) or value < 0)):
            raise _fail(
                path,
                f"workshop.{key}",
                f"must be {'a whole number >= 0' if kind is int else kind.__name__}",
            )
    if "instructor" in table:
        from lepton_core.runs.workspaces import workspace_name

        try:
            table = {**table, "instructor": workspace_name(table["instructor"])}
        except LabInputError as e:
            raise _fail(path, "workshop.instructor", str(e)) from None
    return dict(table)


def parse_preset(data: dict, path: Path) -> Preset:
    """A Preset from parsed TOML; LabInputError naming the key and the file on any problem."""
    from lepton_core.data import list_datasets

    for key in data:
        if key not in KEYS:
            raise _fail(path, key, f"unknown key (known: {', '.join(KEYS)})")
    datasets = _names(path, data, "datasets", [d["name"] for d in list_datasets()])
    defaults = _defaults(path, data)
    locked = _names(path, data, "locked", list(SETTINGS))
    for name in sorted(locked - set(defaults)):
        raise _fail(path, "locked", f"{name} needs a value in [defaults]")
    welcome = data.get("welcome", "")
    if not isinstance(welcome, str):
        raise _fail(path, "welcome", "must be text")
    short = {p.removeprefix("pages/").removesuffix(".py"): p for p in PAGES}
    pages = [short.get(p, p) for p in data.get("hidden_pages", [])]
    return Preset(
        datasets=tuple(d for d in data.get("datasets", []) if d in datasets),
        defaults=defaults,
        locked=locked,
        hidden_pages=_names(path, {"hidden_pages": pages}, "hidden_pages", PAGES),
        hidden_controls=_names(path, data, "hidden_controls", CONTROLS),
        limits=_limits(path, data, defaults),
        welcome=welcome.strip(),
        workshop=_workshop(path, data),
        path=str(path),
    )


def load_preset(path: str | os.PathLike) -> Preset:
    """Read and validate a preset TOML file."""
    path = Path(path).expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabInputError(f"preset {path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise LabInputError(f"preset {path}: cannot be read ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise LabInputError(f"preset {path}: not valid TOML ({e})") from None
    return parse_preset(data, path)


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> Preset:
    return load_preset(path)


def active_preset() -> Preset:
    """The preset named by $LEPTON_PRESET (cached per path and mtime); none = the empty one."""
    path = os.environ.get(ENV, "").strip()
    if not path:
        return Preset()
    try:
        mtime = Path(path).expanduser().stat().st_mtime_ns
    except OSError:
        raise LabInputError(f"preset {path}: file not found") from None
    return _cached(path, mtime)
