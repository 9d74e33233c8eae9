"""Task kinds: each says how to train (loss) and how to evaluate on the test split.

One registry (TASKS); adding a task kind is one module with one registered `Task`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from lepton_core.registry import Registry


@dataclass(frozen=True)
class Task:
    """How a task trains and is measured.

    `evaluate(model, ds) -> (metrics, evaluation)`: metrics go to the RunStore, the evaluation
    (per-example predictions for the pages) to evaluation.json.
    """

    name: str
    loss: Callable
    classification: bool
    evaluate: Callable
    headline: str  # the metric shown first, e.g. "test_accuracy"


TASKS: Registry[Task] = Registry("task")


def get_task(name: str) -> Task:
    """The registered task (importing the task modules on first use)."""
    from lepton_core.tasks import classification, forecasting, regression  # noqa: F401

    return TASKS.get(name)
