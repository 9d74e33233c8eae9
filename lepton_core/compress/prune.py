"""Global magnitude pruning: zero the smallest weights across all layers, optionally fine-tune.

Zeros in dense weight tensors are stored and multiplied like any other number: a pruned model is
neither smaller on disk nor faster. It only compresses better (zip) and shows how much of the
network the task needs.
"""

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from torch import nn
from torch.nn.utils import prune

from lepton_core.errors import LabInputError

if TYPE_CHECKING:
    from lepton_core.data import LabDataset
    from lepton_core.runs import Run

MAX_FINETUNE_EPOCHS = 50
WEIGHT_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def check_sparsity(sparsity: float) -> float:
    """The share of weights to zero, refused unless strictly between 0 and 1."""
    try:
        value = float(sparsity)
    except (TypeError, ValueError):
        raise LabInputError(
            f"sparsity must be a number between 0 and 1, got {sparsity!r}"
        ) from None
    if not 0 < value < 1:
        percent = value.is_integer() and 1 < value < 100
        hint = f" (for {value:g}% write {value / 100:g})" if percent else ""
        raise LabInputError(
            f"sparsity is the share of weights set to zero and must be between 0 and 1, "
            f"e.g. 0.5; got {value:g}{hint}"
        )
    return value


def check_finetune_epochs(epochs: int) -> int:
    """Fine-tuning epochs after pruning, 0 to MAX_FINETUNE_EPOCHS."""
    if not isinstance(epochs, int) or not 0 <= epochs <= MAX_FINETUNE_EPOCHS:
        raise LabInputError(
            f"fine-tune epochs must be a whole number from 0 to {MAX_FINETUNE_EPOCHS}, "
            f"got {epochs!r}"
        )
    return epochs


def prunable(model: nn.Module) -> list[tuple[nn.Module, str]]:
    """(module, parameter name) of every conv/linear weight and every LSTM/GRU weight matrix."""
    pairs = []
    for module in model.modules():
        if isinstance(module, WEIGHT_LAYERS):
            pairs.append((module, "weight"))
        elif isinstance(module, nn.RNNBase):
            pairs += [(module, n) for n, _ in module.named_parameters() if n.startswith("weight_")]
    return pairs


def prune_model(
    model: nn.Module, sparsity: float, finetune: Callable[[nn.Module], None] | None = None
) -> nn.Module:
    """Zero the `sparsity` share of smallest-magnitude weights over all layers at once (in place).

    `finetune(model)`, if given, trains while the masks are applied, so pruned weights stay zero.
    """
    pairs = prunable(model)
    if not pairs:
        raise LabInputError("this model has no convolution, linear or recurrent weights to prune")
    prune.global_unstructured(pairs, pruning_method=prune.L1Unstructured, amount=sparsity)
    if finetune is not None:
        finetune(model)
    for module, name in pairs:
        prune.remove(module, name)  # weight = weight_orig * mask, made permanent
    return model.eval()


def finetune_on_run(run: "Run", ds: "LabDataset", epochs: int) -> Callable[[nn.Module], None]:
    """A `finetune(model)` that trains `epochs` on the run's training split at a tenth of its
    learning rate, constant, without augmentation."""
    from lepton_core.tasks import get_task
    from lepton_core.training import Trainer

    task = get_task(ds.task)
    spec = replace(run.config.train, epochs=epochs, lr=run.config.train.lr / 10,
                   schedule="none", patience=0)  # fmt: skip

    def finetune(model: nn.Module) -> None:
        loss = partial(task.loss, **task.loss_options(model)) if task.loss_options else task.loss
        Trainer(model, spec, loss_fn=loss, classification=task.classification).fit(
            ds.x["train"], ds.y["train"]
        )

    return finetune
