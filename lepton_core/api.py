"""The Python API: load_dataset, train, load_run, list_runs, explain, export."""

import json
from pathlib import Path

import torch

from lepton_core.config import AugmentSpec, DataSpec, ModelSpec, RunConfig, TrainSpec
from lepton_core.data import LabDataset, check_source, guess_task, load_dataset
from lepton_core.errors import LabInputError
from lepton_core.models import MODELS, model_for
from lepton_core.runs import Run, RunStore
from lepton_core.runs.job import run_job
from lepton_core.tasks import fit_dataset, run_task

__all__ = ["explain", "export", "list_runs", "load_dataset", "load_run", "train"]


def train(
    dataset: str | LabDataset,
    model: str = "cnn",
    epochs: int | None = None,
    seed: int = 0,
    model_options: dict | None = None,
    data_options: dict | None = None,
    store: RunStore | None = None,
    callbacks: tuple = (),
    **train_options,
) -> Run:
    """Train in this process, record everything in the RunStore, return the finished Run."""
    store = store or RunStore()
    config = make_config(dataset, model, epochs, seed, model_options, data_options, **train_options)
    ds = load_dataset(config.data.source, **config.data.options)  # bad data: refused, not stored
    ds = fit_dataset(ds, model)  # a model that does not fit the data: refused, not stored
    model_for(model, config.model.options, ds)  # so are bad model options
    if config.train.init_from:  # and starting weights that do not fit
        from lepton_core.finetune import check_init

        check_init(config, ds, store)
    config.task = ds.task
    run_id = store.create_run(config, in_process=True)
    run_job(store, run_id, callbacks, dataset=ds)
    return load_run(run_id, store)


def make_config(
    dataset: str | LabDataset,
    model: str = "cnn",
    epochs: int | None = None,
    seed: int = 0,
    model_options: dict | None = None,
    data_options: dict | None = None,
    **train_options,
) -> RunConfig:
    """A validated RunConfig from keyword arguments."""
    if isinstance(dataset, LabDataset):
        data = DataSpec(dataset.source, dict(dataset.options, **(data_options or {})))
    else:
        check_source(str(dataset))
        data = DataSpec(str(dataset), dict(data_options or {}))
    augment = train_options.pop("augment", None) or {}
    unknown = set(train_options) - set(TrainSpec.__dataclass_fields__)
    if unknown:
        raise LabInputError(f"unknown training option(s): {', '.join(sorted(unknown))}")
    if epochs is not None:
        train_options["epochs"] = epochs
    # an unknown model is refused before any run is stored; its family's defaults fill the gaps
    train_options = MODELS.get(model).train_defaults | train_options
    if model_options is None:  # fine-tuning a run: its model options, unless others are given
        model_options = _run_model_options(train_options.get("init_from"), model)
    spec = TrainSpec(seed=seed, augment=AugmentSpec(**augment), **train_options)
    spec.validate()
    return RunConfig(
        data=data,
        model=ModelSpec(model, dict(model_options or {})),
        train=spec,
        task=_task(guess_task(data.source, data.options), model),
    )


def _run_model_options(init_from: str | None, model: str) -> dict:
    """The options of the run `init_from` names, when it is a run of `model`; else {}."""
    if not init_from or init_from.endswith(".safetensors"):
        return {}
    folder = RunStore().folder(init_from)
    meta_path = folder / "model.json"
    if not meta_path.exists():
        return {}  # an unknown run is refused with its own message when the config is built
    meta = json.loads(meta_path.read_text())
    return dict(meta["options"]) if meta["model"] == model else {}


def _task(guess: str, model: str) -> str:
    """The run's task as far as it is known before loading (a CSV's waits for its target)."""
    return guess if guess == "tabular" else run_task(guess, model)


def load_run(run_id: str, store: RunStore | None = None) -> Run:
    """A stored run by id."""
    store = store or RunStore()
    return Run(store, store.get(run_id))


def list_runs(store: RunStore | None = None) -> list[Run]:
    """All runs, newest first."""
    store = store or RunStore()
    store.reconcile()
    return [Run(store, r) for r in store.list_runs()]


def explain(
    run: Run | str, inputs: torch.Tensor, method: str = "saliency", target=None
) -> torch.Tensor:
    """Attributions shaped like `inputs`, for the run's best checkpoint."""
    from lepton_core.explain import attribute

    run = load_run(run) if isinstance(run, str) else run
    model = run.model()
    if run.config.task == "image-generation":  # a VAE: which pixels drive latent dim `target`
        from lepton_core.generate import EncoderMean

        model = EncoderMean(model)
    return attribute(model, inputs, method, target)


def export(run: Run | str, format: str = "safetensors", out: str | Path = "export") -> Path:
    """Write the run's model in `format` into folder `out`; returns the folder."""
    from lepton_core.export import EXPORT_FORMATS

    write = EXPORT_FORMATS.get(format)  # an unknown format is named before the run is looked up
    run = load_run(run) if isinstance(run, str) else run
    return write(run, Path(out))
