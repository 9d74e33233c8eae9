"""Task kinds: each says how to train (loss) and how to evaluate on the test split.

One registry (TASKS); adding a task kind is one module with one registered `Task`.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from lepton_core.errors import LabInputError
from lepton_core.registry import Registry

# Data of the key task can also train a model of the value task: any image set can train a VAE.
GENERATIVE = {"image-classification": "image-generation"}


@dataclass(frozen=True)
class Task:
    """How a task trains and is measured.

    `loss(output, target, **loss_options(model))` returns a scalar tensor, or a dict with the
    scalar under "loss" and per-image components (e.g. "recon", "kl") that the Trainer records.
    `evaluate(model, ds) -> (metrics, evaluation)`: metrics go to the RunStore, the evaluation
    (per-example predictions for the pages) to evaluation.json.
    `target_is_input`: the model learns to reproduce its input (autoencoders), so y is x.
    """

    name: str
    loss: Callable
    classification: bool
    evaluate: Callable
    headline: str  # the metric shown first, e.g. "test_accuracy"
    target_is_input: bool = False
    loss_options: Callable | None = None  # model -> keyword arguments of `loss`


TASKS: Registry[Task] = Registry("task")


def get_task(name: str) -> Task:
    """The registered task (importing the task modules on first use)."""
    from lepton_core.tasks import (  # noqa: F401
        classification,
        forecasting,
        generation,
        regression,
    )

    return TASKS.get(name)


def run_task(data_task: str, model: str) -> str:
    """The task a run of `model` on data of `data_task` has, or a clear refusal."""
    from lepton_core.models import MODELS, list_models

    tasks = MODELS.get(model).tasks
    if data_task in tasks:
        return data_task
    if GENERATIVE.get(data_task) in tasks:
        return GENERATIVE[data_task]
    fitting = list_models(data_task) + list_models(GENERATIVE.get(data_task, "-"))
    raise LabInputError(
        f"model {model!r} does not fit {data_task} data; choose one of: {', '.join(fitting)}"
    )


def fit_dataset(ds, model: str):
    """`ds` as the data of a run of `model` (an image set becomes generation data for a VAE)."""
    task = run_task(ds.task, model)
    return ds if task == ds.task else replace(ds, task=task)
