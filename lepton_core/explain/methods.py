"""The attribution-method registry: the base class, its options, and what a method can explain.

Each method's `attribute` takes a prepared batch without grad, on the model's device, a LongTensor
target (B,) and its resolved options; `lepton_core.explain.attribute` does that preparation. The
result has exactly the inputs' shape. The methods themselves live in `methods_gradient`,
`methods_cam` and `methods_perturb`, imported at the bottom so that they register.
"""

import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from lepton_core.errors import LabInputError
from lepton_core.registry import Registry

# image-generation: a VAE's encoder mean, explained per latent dimension (lepton_core.generate)
ALL_TASKS = (
    "image-classification",
    "tabular-classification",
    "tabular-regression",
    "forecasting",
    "image-generation",
)
TABLES_AND_SERIES = ALL_TASKS[1:4]
TABLES = ALL_TASKS[1:3]
IMAGE_TASKS = ("image-classification", "image-generation")
# the families with a Conv2d layer (the torchvision ones reuse in-place ReLUs: not in RELU_FAMILIES)
CONV_FAMILIES = ("seed-cnn", "cnn", "vae", "resnet18", "mobilenet_v3_small")
RELU_FAMILIES = ("seed-cnn", "cnn", "mlp", "vae")  # one non-in-place module per ReLU, no RNN


@dataclass(frozen=True)
class Option:
    """One setting a method accepts: its type, default, what it does, and the values allowed."""

    kind: type  # int, float or str
    default: object  # None: chosen from the model or the inputs
    help: str
    choices: tuple = ()  # the allowed values, for a pick-one setting
    bounds: tuple[float, float] | None = None  # inclusive range, for numbers

    def check(self, name: str, value: object) -> object:
        """`value` if it is allowed (numbers cast to `kind`), else a LabInputError saying why."""
        if value is None and self.default is None:
            return None
        number = numbers.Integral if self.kind is int else numbers.Real
        if self.kind is str:
            ok = isinstance(value, str)
        else:
            ok = isinstance(value, number) and not isinstance(value, bool)
        if not ok:
            raise LabInputError(f"option {name} must be {self.kind.__name__}, got {value!r}")
        value = self.kind(value)
        if self.choices and value not in self.choices:
            allowed = ", ".join(map(str, self.choices))
            raise LabInputError(f"option {name} must be one of: {allowed}; got {value!r}")
        if self.bounds and not self.bounds[0] <= value <= self.bounds[1]:
            low, high = self.bounds
            raise LabInputError(f"option {name} must be between {low} and {high}, got {value}")
        return value


class ExplainMethod:
    """One attribution method: its names, what its map means, what it can explain, its options."""

    name: str
    label: str
    description: str  # one plain-words sentence for the page
    signed: bool  # True: maps are signed (diverging colours); False: magnitudes only
    tasks: tuple[str, ...] = IMAGE_TASKS
    families: tuple[str, ...] | None = None  # model families it explains; None: all of them
    needs: str = "an image model"  # completes "<name> needs ..." when a model is refused
    options: dict[str, Option] = {}

    def supports(self, model: nn.Module) -> bool:
        """Whether this method can explain `model`."""
        return self.refusal(model) is None

    def refusal(self, model: nn.Module) -> str | None:
        """Why `model` can't be explained by this method, or None if it can."""
        task, family = model_task(model), model_family(model)
        family_ok = family is None or self.families is None or family in self.families
        if task in self.tasks and family_ok and self.fits(model):
            return None
        this = f"{family} model for {task}" if family else f"model for {task}"
        return f"{self.name} needs {self.needs} (this is a {this})"

    def fits(self, model: nn.Module) -> bool:
        """Structural check for any module, LabModel or not (e.g. has a conv layer)."""
        return True

    def resolve(self, options: dict) -> dict:
        """The method's options with defaults filled in; an unknown or bad one is refused."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            takes = ", ".join(self.options) or "no options"
            raise LabInputError(f"{self.name} has no option {unknown[0]!r}; it takes: {takes}")
        return {
            name: opt.check(name, options[name]) if name in options else opt.default
            for name, opt in self.options.items()
        }

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor, **options) -> Tensor:
        """Attributions shaped like `inputs`."""
        raise NotImplementedError


EXPLAIN_METHODS: Registry[ExplainMethod] = Registry("explanation method")


def register(cls: type[ExplainMethod]) -> type[ExplainMethod]:
    """Class decorator: register one instance under `cls.name`."""
    EXPLAIN_METHODS.register(cls.name)(cls())
    return cls


def model_task(model: nn.Module) -> str:
    """The task a LabModel was built for; plain modules count as image classifiers."""
    return getattr(model, "meta", {}).get("task", "image-classification")


def model_family(model: nn.Module) -> str | None:
    """The registered family a LabModel was built from (seed-cnn, mlp, ...); None if unknown."""
    return getattr(model, "meta", {}).get("model")


def is_image_batch(inputs: Tensor) -> bool:
    """Images arrive as (B, C, H, W); tables as (B, F) and series windows as (B, T, F)."""
    return inputs.ndim == 4


@contextmanager
def seeded(device: torch.device, seed: int = 0) -> Iterator[None]:
    """Run with torch's and numpy's global RNGs seeded (captum draws from both), then put the
    caller's states back."""
    devices = [device.index or 0] if device.type == "cuda" else []
    state = np.random.get_state()
    try:
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            np.random.seed(seed)  # GradientShap draws from np.random
            yield
    finally:
        np.random.set_state(state)


def per_example(
    fn: Callable[[Tensor, Tensor], Tensor], inputs: Tensor, target: Tensor, seed: int = 0
) -> Tensor:
    """`fn` on each example alone, under the same seed: a random method's map then depends only
    on its example, not on the rest of the batch, and two calls give the same maps."""
    maps = []
    for i in range(len(inputs)):
        with seeded(inputs.device, seed):
            maps.append(fn(inputs[i : i + 1], target[i : i + 1]))
    return torch.cat(maps)


from lepton_core.explain import methods_cam, methods_gradient, methods_perturb  # noqa: E402, F401
