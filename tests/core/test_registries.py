"""Every registered dataset, model and export format, tested the moment it is registered."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lepton_core.api import load_run, train
from lepton_core.compress import COMPRESS_METHODS
from lepton_core.data import DATASETS, load_dataset
from lepton_core.data.splits import stratified_split
from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS
from lepton_core.export import EXPORT_FORMATS
from lepton_core.models import (
    MODELS,
    build_lab_model,
    count_parameters,
    get_model,
    list_models,
    load_lab_model,
    model_summary,
    register_model,
    save_lab_model,
)
from lepton_core.registry import Registry
from lepton_core.runs import RunStore
from lepton_core.tasks.generation import vae_loss
from tests.lepton_cli import cli_env

IMAGE_TASK = "image-classification"
GENERATION = "image-generation"
IMAGE_SHAPES = [(1, 28, 28), (3, 32, 32)]
SMALL_SHAPE = (1, 8, 8)  # works, or is refused with a LabInputError (never a crash)
TASK_INPUTS = {  # a model for a new task must add its inputs here
    IMAGE_TASK: IMAGE_SHAPES,
    "tabular-classification": [(8,), (30,)],
    "tabular-regression": [(8,)],
    "forecasting": [(24, 1), (12, 3)],
    GENERATION: IMAGE_SHAPES + [(3, 30, 30)],
}
CLASSES = [f"c{i}" for i in range(4)]


def lab_model(name: str, shape: tuple[int, ...], seed: int = 0):
    torch.manual_seed(seed)
    if len(shape) == 3:  # images are normalised inside the model
        task = GENERATION if GENERATION in MODELS.get(name).tasks else IMAGE_TASK
        stats = [0.5] * shape[0], [0.25] * shape[0]
        return build_lab_model(name, {}, shape, CLASSES, *stats, task=task)
    task = "tabular-classification" if len(shape) == 1 else "forecasting"
    return build_lab_model(name, {}, shape, CLASSES, [], [], task=task)


def batch(shape: tuple[int, ...], n: int = 5, seed: int = 1) -> torch.Tensor:
    return torch.rand((n, *shape), generator=torch.Generator().manual_seed(seed))


def generative(model) -> bool:
    return model.meta["task"] == GENERATION


def outputs_equal(a, b) -> bool:
    """Model outputs are a tensor, or a tuple of them (the VAE: logits, mu, logvar)."""
    if isinstance(a, tuple):
        return len(a) == len(b) and all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
    return torch.equal(a, b)


# ---------------------------------------------------------------- registries


@pytest.mark.parametrize(
    "registry",
    [DATASETS, MODELS, EXPORT_FORMATS, EXPLAIN_METHODS, COMPRESS_METHODS],
    ids=lambda r: r.kind,
)
def test_unknown_name_is_a_user_error_listing_every_choice(registry: Registry) -> None:
    with pytest.raises(LabInputError) as err:
        registry.get("no-such-thing")
    message = str(err.value)
    assert "no-such-thing" in message
    assert all(name in message for name in registry.names())


def test_registering_a_name_twice_raises_and_keeps_the_first() -> None:
    reg: Registry[int] = Registry("thing")
    reg.register("a")(1)
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a")(2)
    assert reg.get("a") == 1
    assert reg.names() == ["a"]


def test_a_second_model_called_cnn_is_refused() -> None:
    first = MODELS.get("cnn")
    with pytest.raises(ValueError, match="already registered"):
        register_model("cnn", (IMAGE_TASK,), "an impostor")(lambda shape, n: torch.nn.Identity())
    assert MODELS.get("cnn") is first


def test_every_model_declares_a_task_the_tests_know_how_to_feed() -> None:
    for name in MODELS.names():
        assert set(MODELS.get(name).tasks) <= set(TASK_INPUTS), name
    assert list_models(IMAGE_TASK)


# ---------------------------------------------------------------- models

IMAGE_CASES = sorted(
    {(m, s) for m in MODELS.names() for t in MODELS.get(m).tasks for s in TASK_INPUTS[t]}
)


def case_id(case) -> str:
    return f"{case[0]}-{'x'.join(map(str, case[1]))}"


@pytest.mark.parametrize("case", IMAGE_CASES, ids=case_id)
def test_model_forward_gives_one_logit_per_class_or_pixel(case) -> None:
    name, shape = case
    model = lab_model(name, shape).eval()
    with torch.no_grad():
        logits = model(batch(shape))
    if generative(model):  # pixel logits, and the posterior's mean and log-variance
        logits, mu, logvar = logits
        assert mu.shape == logvar.shape == (5, model.net.latent_dim)
        assert logits.shape == (5, *shape)
    else:
        assert logits.shape == (5, len(CLASSES))
    assert logits.dtype == torch.float32
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("case", IMAGE_CASES, ids=case_id)
def test_model_backward_reaches_every_parameter(case) -> None:
    name, shape = case
    model = lab_model(name, shape).train()
    x = batch(shape)
    if generative(model):
        loss = vae_loss(model(x), x)["loss"]
    else:
        loss = torch.nn.functional.cross_entropy(model(x), torch.tensor([0, 1, 2, 3, 0]))
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{pname} got no gradient"
        assert torch.isfinite(p.grad).all(), pname
    assert any(p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.parametrize("name", list_models(IMAGE_TASK) + list_models(GENERATION))
def test_model_on_tiny_images_works_or_says_why(name: str) -> None:
    try:
        model = lab_model(name, SMALL_SHAPE).eval()
    except LabInputError as e:
        assert str(e)
        return
    with torch.no_grad():
        out = model(batch(SMALL_SHAPE))
    assert (out[0] if generative(model) else out).shape[:2] == (5, 1 if generative(model) else 4)


@pytest.mark.parametrize("case", IMAGE_CASES, ids=case_id)
def test_model_safetensors_round_trip_gives_identical_outputs(case, tmp_path) -> None:
    name, shape = case
    model = lab_model(name, shape)
    model.train()
    with torch.no_grad():
        model(batch(shape, n=8, seed=7))  # moves batch-norm running statistics off their defaults
    model.eval()
    save_lab_model(model, tmp_path)
    loaded = load_lab_model(tmp_path)
    assert not loaded.training
    assert loaded.meta == model.meta
    x = batch(shape)
    with torch.no_grad():
        assert outputs_equal(model(x), loaded(x))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.safetensors", "model.json"]


@pytest.mark.parametrize("case", IMAGE_CASES, ids=case_id)
def test_model_summary_rows_add_up_to_the_parameter_count(case) -> None:
    name, shape = case
    model = lab_model(name, shape)
    rows = model_summary(model, shape)
    assert rows, "summary has no rows"
    assert sum(r["params"] for r in rows) == count_parameters(model) > 0
    assert rows[-1]["output_shape"] == (list(shape) if generative(model) else [len(CLASSES)])
    assert model.training  # the dry run restores the mode it found


@pytest.mark.parametrize("case", IMAGE_CASES, ids=case_id)
def test_model_initialisation_follows_the_seed(case) -> None:
    name, shape = case
    a, b, c = lab_model(name, shape, 0), lab_model(name, shape, 0), lab_model(name, shape, 1)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert any(not torch.equal(sa[k], sc[k]) for k in sa)


@pytest.mark.parametrize("name", list_models(IMAGE_TASK) + list_models(GENERATION))
def test_model_refuses_an_unknown_option_with_its_name(name: str) -> None:
    with pytest.raises(LabInputError, match="bogus"):
        get_model(name, (1, 28, 28), 10, bogus=1)


def test_seed_cnn_is_the_founding_network() -> None:
    net = get_model("seed-cnn", (1, 28, 28), 10)
    types = [type(m).__name__ for m in net]
    assert types == ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]
    assert net[0].out_channels == 32 and net[0].kernel_size == (3, 3)
    assert count_parameters(net) == (9 * 32 + 32) + (32 * 13 * 13 * 10 + 10)


# ---------------------------------------------------------------- datasets


IMAGE_DATASETS = [n for n in DATASETS.names() if DATASETS.get(n).task == IMAGE_TASK]


@pytest.fixture(scope="module", params=IMAGE_DATASETS)
def builtin(request):
    """Each built-in image dataset loaded with its defaults (once per module); tables and
    series are covered, registry-wide, in test_tasks.py."""
    return load_dataset(request.param)


def test_dataset_tensors_have_the_promised_types_and_range(builtin) -> None:
    for split in ("train", "val", "test"):
        x, y = builtin.x[split], builtin.y[split]
        assert x.dtype == torch.float32 and y.dtype == torch.int64
        assert x.ndim == 4 and x.shape[0] == len(y)
        assert tuple(x.shape[1:]) == builtin.input_shape
        assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
        assert int(y.min()) >= 0 and int(y.max()) < builtin.n_classes
    assert builtin.task == DATASETS.get(builtin.source).task


def test_dataset_splits_are_70_15_15_with_every_class_everywhere(builtin) -> None:
    sizes = builtin.sizes()
    total = sum(sizes.values())
    assert sizes["val"] == pytest.approx(0.15 * total, abs=1)
    assert sizes["test"] == pytest.approx(0.15 * total, abs=1)
    assert sizes["train"] == pytest.approx(0.70 * total, abs=2)
    all_labels = torch.cat([builtin.y[s] for s in ("train", "val", "test")])
    overall = torch.bincount(all_labels, minlength=builtin.n_classes) / total
    for split, n in sizes.items():
        counts = torch.bincount(builtin.y[split], minlength=builtin.n_classes)
        assert (counts > 0).all(), f"a class is missing from {split}"
        assert torch.allclose(counts / n, overall, atol=0.02), split  # proportional


def test_dataset_report_counts_every_image(builtin) -> None:
    report = builtin.report
    assert sum(report.counts.values()) == sum(builtin.sizes().values())
    assert list(report.counts) == builtin.classes
    assert report.shape[1:] == builtin.input_shape


def test_dataset_split_is_reproducible_and_follows_the_split_seed(builtin) -> None:
    again = load_dataset(builtin.source, **builtin.options)
    assert torch.equal(again.x["test"], builtin.x["test"])
    assert torch.equal(again.y["train"], builtin.y["train"])
    other = load_dataset(builtin.source, **(builtin.options | {"split_seed": 1}))
    assert not torch.equal(other.x["test"], builtin.x["test"])
    assert other.sizes() == builtin.sizes()


def test_split_indices_partition_the_data() -> None:
    labels = np.repeat(np.arange(4), 25)
    idx = stratified_split(labels, seed=3)
    joined = np.concatenate([idx["train"], idx["val"], idx["test"]])
    assert sorted(joined.tolist()) == list(range(100))
    with pytest.raises(LabInputError):
        stratified_split(labels, val=0.6, test=0.5)


def test_digits_are_1797_gray_28x28_images_of_ten_digits() -> None:
    ds = load_dataset("digits")
    assert sum(ds.sizes().values()) == 1797
    assert ds.input_shape == (1, 28, 28)
    assert ds.classes == [str(i) for i in range(10)]


def test_shapes_masks_line_up_with_their_images() -> None:
    ds = load_dataset("shapes", n_per_class=20)
    luma = torch.tensor([0.299, 0.587, 0.114])
    for split in ("train", "val", "test"):
        x, masks = ds.x[split], ds.masks[split]
        assert masks.dtype == torch.bool and masks.shape == (len(x), *x.shape[2:])
        for img, mask in zip(x, masks, strict=True):
            assert mask.any() and not mask.all()
            inside, outside = img[:, mask], img[:, ~mask]  # (3, n) pixels each
            assert inside.std(dim=1).mean() < 0.06, "mask covers more than one colour"
            assert abs(luma @ inside.mean(dim=1) - luma @ outside.mean(dim=1)) > 0.15


def test_shapes_are_deterministic_for_a_seed_and_differ_for_another() -> None:
    a, b = (load_dataset("shapes", n_per_class=10, seed=0) for _ in range(2))
    c = load_dataset("shapes", n_per_class=10, seed=1)
    for split in ("train", "val", "test"):
        assert torch.equal(a.x[split], b.x[split]) and torch.equal(a.masks[split], b.masks[split])
        assert not torch.equal(a.x[split], c.x[split])
        assert not torch.equal(a.masks[split], c.masks[split])


def test_unknown_dataset_option_is_a_user_error() -> None:
    with pytest.raises(LabInputError, match="bogus"):
        load_dataset("digits", bogus=1)


# ---------------------------------------------------------------- export formats


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """One small finished run (seed-cnn, 1 epoch on digits) in its own store."""
    store = RunStore(tmp_path_factory.mktemp("export_home"))
    run = train("digits", model="seed-cnn", epochs=1, store=store)
    assert run.status == "done", run.record.error
    return run


@pytest.mark.parametrize("fmt", EXPORT_FORMATS.names())
def test_export_format_writes_files_into_the_folder(fmt: str, trained_run, tmp_path) -> None:
    from lepton_core.api import export

    out = export(trained_run, format=fmt, out=tmp_path / "out")
    files = [p for p in out.rglob("*") if p.is_file()]
    assert out == tmp_path / "out" and files
    assert all(p.stat().st_size > 0 for p in files)


@pytest.mark.parametrize("fmt", EXPORT_FORMATS.names())
def test_export_format_refuses_a_run_without_a_checkpoint(fmt: str, trained_run, tmp_path) -> None:
    from lepton_core.api import export, make_config

    store = trained_run.store
    run_id = store.create_run(make_config("digits", model="seed-cnn", epochs=1))
    with pytest.raises(LabInputError, match="checkpoint"):
        export(load_run(run_id, store), format=fmt, out=tmp_path / "out")


def test_safetensors_export_reloads_to_the_same_predictions(trained_run, tmp_path) -> None:
    from lepton_core.api import export

    out = export(trained_run, format="safetensors", out=tmp_path / "out")
    x = trained_run.dataset.x["test"][:16]
    with torch.no_grad():
        assert torch.equal(load_lab_model(out)(x), trained_run.model()(x))


# ---------------------------------------------------------------- import hygiene


def run_python(code: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(home), timeout=120
    )


def test_the_engine_never_imports_streamlit(tmp_path) -> None:
    code = (
        "import importlib, pkgutil, sys, lepton_core, lepton_core.api, lepton_core.cli\n"
        "for m in pkgutil.walk_packages(lepton_core.__path__, 'lepton_core.'):\n"
        "    if m.name != 'lepton_core.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "assert 'lepton_core.runs.worker' in sys.modules\n"
        "assert 'streamlit' not in sys.modules, 'lepton_core imported streamlit'\n"
    )
    proc = run_python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_importing_lepton_core_alone_does_not_load_torch(tmp_path) -> None:
    proc = run_python("import sys, lepton_core; assert 'torch' not in sys.modules", tmp_path)
    assert proc.returncode == 0, proc.stderr
