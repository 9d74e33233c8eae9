"""Run configuration: small dataclasses with a JSON round trip (a config beside every run)."""

import json
import numbers
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from lepton_core.errors import LabInputError

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("none", "cosine", "one-cycle")


@dataclass
class DataSpec:
    """Where the data comes from: a built-in name or a path, plus loader options."""

    source: str = "digits"
    options: dict = field(default_factory=dict)  # e.g. image_size, n_per_class, split fractions


@dataclass
class ModelSpec:
    """A registered model name plus its options (channels, dropout, ...)."""

    name: str = "cnn"
    options: dict = field(default_factory=dict)


@dataclass
class AugmentSpec:
    """Training-time augmentation (torchvision.transforms.v2); all off by default."""

    hflip: bool = False
    rotation: float = 0.0  # max degrees either way
    shift: float = 0.0  # max fraction of the image size
    color_jitter: float = 0.0  # brightness/contrast strength, 0..1
    noise: float = 0.0  # std of added Gaussian noise, in [0, 1] pixel units

    @property
    def enabled(self) -> bool:
        """True when any augmentation is switched on."""
        return bool(self.hflip or self.rotation or self.shift or self.color_jitter or self.noise)


@dataclass
class TrainSpec:
    """Optimisation settings. Same seed + same data + same spec -> same metrics on CPU."""

    epochs: int = 15
    batch_size: int = 64
    lr: float = 4e-3
    optimizer: str = "adamw"
    weight_decay: float = 1e-4
    schedule: str = "one-cycle"
    seed: int = 0
    patience: int = 0  # early stopping on val loss; 0 = off
    augment: AugmentSpec = field(default_factory=AugmentSpec)
    init_from: str = ""  # fine-tuning: start from a run id or a .safetensors file; "" = random
    freeze_backbone: bool = False  # fine-tuning: train only the output layer

    def __post_init__(self) -> None:
        if isinstance(self.init_from, os.PathLike):
            self.init_from = os.fspath(self.init_from)
        if is_weights_file(self.init_from):  # a file is kept as an absolute path
            self.init_from = str(Path(self.init_from).expanduser().resolve())

    def validate(self, check_sources: bool = True) -> None:
        """Raise LabInputError on values that cannot train.

        `check_sources`: also check that `init_from` exists (off when an old config is re-read).
        """
        self._validate_types()
        if not 1 <= self.epochs <= 1000:
            raise LabInputError(f"epochs must be between 1 and 1000, got {self.epochs}")
        if not 1 <= self.batch_size <= 4096:
            raise LabInputError(f"batch size must be between 1 and 4096, got {self.batch_size}")
        if not 0 < self.lr <= 10:
            raise LabInputError(f"learning rate must be > 0 and <= 10, got {self.lr}")
        if self.weight_decay < 0:
            raise LabInputError(f"weight decay must be >= 0, got {self.weight_decay}")
        if self.optimizer not in OPTIMIZERS:
            raise LabInputError(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise LabInputError(f"schedule must be one of {', '.join(SCHEDULES)}")
        if self.patience < 0:
            raise LabInputError(f"patience must be >= 0, got {self.patience}")
        self._validate_init(check_sources)

    def _validate_types(self) -> None:
        """Numbers must be numbers (a config.json can hold any JSON value)."""
        for name in ("epochs", "batch_size", "seed", "patience", "lr", "weight_decay"):
            value = getattr(self, name)
            kind = numbers.Real if name in ("lr", "weight_decay") else numbers.Integral
            if isinstance(value, bool) or not isinstance(value, kind):
                what = "a number" if kind is numbers.Real else "a whole number"
                raise LabInputError(f"{name.replace('_', ' ')} must be {what}, got {value!r}")

    def _validate_init(self, check_sources: bool) -> None:
        if not isinstance(self.init_from, str):
            raise LabInputError("init_from must be a run id or the path of a .safetensors file")
        if not isinstance(self.freeze_backbone, bool):
            raise LabInputError(
                f"freeze_backbone must be true or false, got {self.freeze_backbone}"
            )
        if self.freeze_backbone and not self.init_from:
            raise LabInputError(
                "freezing the backbone needs trained weights to start from (init_from)"
            )
        source = self.init_from
        if not source or not check_sources:
            return
        if is_weights_file(source):
            if not Path(source).is_file():
                raise LabInputError(f"no weights file {source}")
            return
        if "." in Path(source).name:
            raise LabInputError(
                f"cannot start from {source!r}: give a run id or a .safetensors file "
                "(pickled .pt/.pth/.ckpt files are never loaded)"
            )
        from lepton_core.runs.store import RunStore  # the store imports this module

        store = RunStore()
        record = store.get(source)  # "no run with id ..." when there is none
        if record.status in ("queued", "running"):
            raise LabInputError(f"run {source} is still {record.status}; start from it when done")
        if not (store.folder(source) / "checkpoint.safetensors").exists():
            raise LabInputError(
                f"run {source} has no trained weights to start from (status: {record.status})"
            )


@dataclass
class RunConfig:
    """Everything needed to reproduce a run; written as config.json beside it."""

    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    task: str = "image-classification"
    name: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    def to_json(self) -> str:
        """Pretty JSON text."""
        return json.dumps(self.to_dict(), indent=2)

    def scratch_twin(self) -> "RunConfig":
        """The same run from random weights: what a fine-tuned run is compared with."""
        twin = RunConfig.from_dict(self.to_dict())
        twin.train.init_from, twin.train.freeze_backbone = "", False
        twin.name = f"{self.name} · from scratch" if self.name else ""
        return twin

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        """Build from a dict, refusing unknown fields with a clear message."""
        if not isinstance(d, dict):
            raise LabInputError("config must be a JSON object")
        _check_keys(d, cls, "config")
        _check_keys(d.get("train", {}), TrainSpec, "train")
        train = dict(d.get("train", {}))
        augment = train.pop("augment", {})
        _check_keys(augment, AugmentSpec, "train.augment")
        data, model = d.get("data", {}), d.get("model", {})
        _check_keys(data, DataSpec, "data")
        _check_keys(model, ModelSpec, "model")
        try:
            cfg = cls(
                data=DataSpec(**data),
                model=ModelSpec(**model),
                train=TrainSpec(**train, augment=AugmentSpec(**augment)),
                task=d.get("task", "image-classification"),
                name=d.get("name", ""),
            )
        except TypeError as e:
            raise LabInputError(f"bad config: {e}") from None
        _check_types(cfg)
        cfg.train.validate(check_sources=False)  # a run outlives the run it started from
        return cfg

    @classmethod
    def load(cls, path: Path) -> "RunConfig":
        """Read config.json; bad JSON is a LabInputError."""
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise LabInputError(f"cannot read config {path}: {e}") from None


def is_weights_file(source: str) -> bool:
    """True when `init_from` names a file (rather than a run id)."""
    return isinstance(source, str) and source.lower().endswith(".safetensors")


def _check_types(cfg: RunConfig) -> None:
    """Names are text and options are objects, whatever the JSON held."""
    for where, value, kind in (
        ("data.source", cfg.data.source, str),
        ("data.options", cfg.data.options, dict),
        ("model.name", cfg.model.name, str),
        ("model.options", cfg.model.options, dict),
        ("task", cfg.task, str),
        ("name", cfg.name, str),
    ):
        if not isinstance(value, kind):
            what = "text" if kind is str else "a JSON object"
            raise LabInputError(f"{where} must be {what}, got {value!r}")


def _check_keys(d: dict, klass: type, where: str) -> None:
    if not isinstance(d, dict):
        raise LabInputError(f"{where} must be a JSON object")
    known = {f.name for f in fields(klass)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise LabInputError(f"unknown field(s) in {where}: {', '.join(unknown)}")
