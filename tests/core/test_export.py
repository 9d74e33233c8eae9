"""`lepton export`: ONNX for every registered model (checked with onnxruntime on the test split),
the bundle, and the refusals."""

import json

import pytest

import lepton_core.export.onnx as onnx_export
from lepton_core.api import export, make_config, train
from lepton_core.errors import LabInputError
from lepton_core.models import MODELS
from lepton_core.runs import RunStore

TINY_DATA = {  # a new task must add small data here: the parametrize below covers it at once
    "image-classification": ("shapes", {"n_per_class": 8, "image_size": 16}),
    "image-generation": ("shapes", {"n_per_class": 8, "image_size": 16}),
    "tabular-classification": ("wine", {}),
    "tabular-regression": ("diabetes", {}),
    "forecasting": ("stocks", {"lookback": 6}),
}
CASES = [(name, task) for name in MODELS.names() for task in MODELS.get(name).tasks]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One LEPTON_HOME for the module's runs (the CLI reads it too)."""
    return tmp_path_factory.mktemp("export_home")


@pytest.fixture(scope="module")
def tiny_run(home):
    """tiny_run(model, task): a 1-epoch run on small data, trained once per module."""
    store, runs = RunStore(home), {}

    def get(model: str, task: str):
        if (model, task) not in runs:
            source, options = TINY_DATA[task]
            run = train(source, model=model, epochs=1, data_options=options, store=store)
            assert run.status == "done", run.record.error
            runs[model, task] = run
        return runs[model, task]

    return get


@pytest.fixture
def lepton(home, monkeypatch, capsys):
    """lepton(*args): the CLI's main() in this process (imports warm), LEPTON_HOME=home;
    returns (exit code, stdout, stderr)."""
    from lepton_core.cli import main

    monkeypatch.setenv("LEPTON_HOME", str(home))

    def call(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def export_json(lepton, run_id: str, fmt: str, out) -> dict:
    """`lepton export RUN --format FMT --out OUT --json`: exit 0 and exactly one JSON line."""
    code, stdout, stderr = lepton("export", run_id, "--format", fmt, "--out", str(out), "--json")
    assert code == 0, stderr
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


@pytest.mark.parametrize(("model", "task"), CASES, ids=[f"{m}/{t}" for m, t in CASES])
def test_onnx_export_matches_pytorch_on_the_test_split(tiny_run, lepton, model, task, tmp_path):
    """Through `lepton export --format onnx --json`, whose report is parity.json's."""
    run = tiny_run(model, task)
    report = export_json(lepton, run.id, "onnx", tmp_path / "onnx")
    assert report["files"] == ["model.json", "model.onnx", "parity.json"]
    test_x = run.dataset.x["test"]
    assert report["checked_examples"] == len(test_x) > 0
    if run.dataset.classes:
        assert report["class_agreement"] == 1.0
    else:
        assert report["class_agreement"] is None
    assert 0 <= report["max_abs_diff"] < 1e-4
    session = onnx_export.onnx_session(tmp_path / "onnx" / "model.onnx")
    assert isinstance(session.get_inputs()[0].shape[0], str)  # any batch size
    for n in (1, 3):
        assert onnx_export.run_onnx(session, test_x[:n].numpy()).shape[0] == n


def test_an_export_that_disagrees_is_refused_and_removed(tiny_run, tmp_path, monkeypatch) -> None:
    """Fault injected: onnxruntime's answers negated, so every predicted class changes."""
    run = tiny_run("mlp", "tabular-classification")
    real = onnx_export.run_onnx
    monkeypatch.setattr(onnx_export, "run_onnx", lambda session, x: -real(session, x))
    with pytest.raises(onnx_export.ExportParityError, match="different class"):
        export(run, format="onnx", out=tmp_path / "onnx")
    assert not list((tmp_path / "onnx").glob("*.onnx"))


def test_a_vae_exports_to_onnx_but_has_no_bundle(tiny_run, tmp_path) -> None:
    run = tiny_run("vae", "image-generation")
    with pytest.raises(LabInputError, match="VAE .* onnx or safetensors"):
        export(run, format="bundle", out=tmp_path / "bundle")
    assert not (tmp_path / "bundle").exists()


def test_cli_export_bundle_reports_its_zip_and_parity(tiny_run, lepton, home) -> None:
    run = tiny_run("mlp", "tabular-classification").id
    report = export_json(lepton, run, "bundle", home / "bundle")
    assert report["files"] == [f"lepton-mlp-{run}.zip", "parity.json"]
    assert report["class_agreement"] == 1.0 and 0 <= report["max_abs_diff"] < 1e-4


def test_cli_export_refusals_are_one_clear_line(tiny_run, lepton, home) -> None:
    run = tiny_run("mlp", "tabular-classification").id
    unfinished = RunStore(home).create_run(make_config("wine", model="mlp", epochs=1))
    cases = {
        "has no checkpoint": ["export", unfinished, "--format", "bundle", "--out", str(home / "x")],
        "bundle, onnx, safetensors": ["export", run, "--format", "tflite", "--out", str(home)],
    }
    for words, args in cases.items():
        code, out, err = lepton(*args)
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("lepton: error: ") and words in lines[0]
