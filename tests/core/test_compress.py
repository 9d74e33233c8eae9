"""Compression on real runs: int8 (static ONNX for conv nets, dynamic PyTorch for an LSTM),
pruning with and without fine-tuning, the comparison table, and `lepton compress`."""

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from safetensors.torch import load_file

from lepton_core.api import load_run, make_config, train
from lepton_core.compress import compare_variants, compress_run, compress_text, last_comparison
from lepton_core.compress.int8_dynamic import load_int8, quantize_dynamic_model
from lepton_core.errors import LabInputError
from lepton_core.runs import RunStore
from tests.lepton_cli import run_lepton_many

SIX_KEYS = ("size_bytes_before", "size_bytes_after", "accuracy_before", "accuracy_after",
            "latency_ms_before", "latency_ms_after")  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("compress") / "home"


@pytest.fixture(scope="module")
def cnn_run(home: Path):
    """The issue's case: `cnn` on digits (2 epochs), shared by the module."""
    return train("digits", model="cnn", epochs=2, store=RunStore(home))


@pytest.fixture(scope="module")
def int8_report(cnn_run) -> dict:
    return compress_run(cnn_run, "int8")


def _files(folder: Path, pattern: str) -> int:
    return sum(f.stat().st_size for f in folder.glob(pattern))


def test_int8_cnn_files_are_at_most_035_of_float_and_lose_at_most_one_point(
    cnn_run, int8_report: dict
) -> None:
    r, folder = int8_report, cnn_run.folder / "compressed"
    # sizes from the disk itself: int8.onnx* vs float.onnx* (any weight side file included)
    assert r["size_bytes_after"] == _files(folder, "int8.onnx*") > 0
    assert r["size_bytes_before"] == _files(folder, "float.onnx*") > 0
    assert r["size_bytes_after"] <= 0.35 * r["size_bytes_before"]
    assert (
        r["size_bytes_after"] <= 0.35 * (cnn_run.folder / "checkpoint.safetensors").stat().st_size
    )
    # the float ONNX predicts like the trained model; int8 scored again by onnxruntime here
    assert r["accuracy_before"] == pytest.approx(cnn_run.metrics["test_accuracy"], abs=1 / 270)
    ds = cnn_run.dataset
    session = ort.InferenceSession(str(folder / "int8.onnx"), providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: ds.x["test"].numpy()})[0]
    accuracy = float((logits.argmax(1) == ds.y["test"].numpy()).mean())
    assert r["accuracy_after"] == pytest.approx(accuracy)
    assert r["accuracy_after"] >= r["accuracy_before"] - 0.01
    # the weights really are stored as int8
    inits = onnx.load(str(folder / "int8.onnx")).graph.initializer
    int8_values = sum(np.prod(t.dims) for t in inits if t.data_type == onnx.TensorProto.INT8)
    assert int8_values >= 0.95 * sum(
        p.numel() for p in cnn_run.model().net.parameters() if p.dim() > 1
    )
    assert r["baseline"] == "float-onnx" and r["runtime"] == "ONNX Runtime"
    assert r["latency_ms_before"] > 0 and r["latency_ms_after"] > 0
    assert r["latency_ms_batch64_after"] > 0
    text = compress_text(r)
    assert "Int8 ONNX" in text and f"{r['size_ratio']:.2f}x" in text and "accuracy" in text


def test_comparison_table_measures_every_variant_alike_and_is_kept(cnn_run) -> None:
    rows = compare_variants(cnn_run, sparsity=0.7)
    by = {r["variant"]: r for r in rows}
    assert list(by) == ["original", "float-onnx", "int8", "pruned-70"]
    assert by["int8"]["size_vs_original"] < 0.35 and by["pruned-70"]["size_vs_original"] == 1.0
    assert by["pruned-70"]["nonzero"] < 0.4 * by["original"]["nonzero"]
    assert by["pruned-70"]["zipped_bytes"] < 0.8 * by["original"]["zipped_bytes"]
    state = load_file(str(cnn_run.folder / "compressed" / "pruned-70.safetensors"))
    weights = torch.cat(
        [v.flatten() for k, v in state.items() if k.endswith("weight") and v.dim() > 1]
    )
    assert (weights == 0).float().mean().item() == pytest.approx(0.7, abs=0.002)
    for r in rows:
        assert r["latency_ms_batch1"] > 0 and r["latency_ms_batch64"] > 0
        assert r["size_bytes"] > 0 and 0 < r["nonzero"] <= r["weights"]
        assert 0 <= r["accuracy"] <= 1 and r["test_mae"] is None
    assert by["int8"]["accuracy"] >= by["float-onnx"]["accuracy"] - 0.01
    saved = last_comparison(cnn_run)
    assert saved["rows"] == rows and saved["sparsity"] == 0.7
    folder = cnn_run.folder / "compressed"
    assert {p.suffix for p in folder.iterdir()} <= {".onnx", ".safetensors", ".json"}


def test_fine_tune_after_pruning_keeps_the_zeros_and_wins_back_accuracy(home: Path) -> None:
    run = train("digits", model="mlp", epochs=2, store=RunStore(home))
    rows = compare_variants(run, sparsity=0.95, finetune_epochs=1, methods=("prune",))
    by = {r["variant"]: r for r in rows}
    assert list(by) == ["original", "pruned-95", "pruned-95-ft1"]
    assert by["pruned-95-ft1"]["nonzero"] <= by["pruned-95"]["nonzero"]
    assert by["pruned-95-ft1"]["accuracy"] > by["pruned-95"]["accuracy"] + 0.02


def test_lstm_gets_dynamic_int8_that_reloads_exactly_and_reports_mae(home: Path) -> None:
    run = train("seasonal", model="lstm", epochs=1, store=RunStore(home))
    r = compress_run(run, "int8")
    assert r["accuracy_before"] is None and r["accuracy_after"] is None
    assert r["test_mae_before"] == pytest.approx(run.metrics["test_mae"], rel=1e-4)
    assert r["test_mae_after"] == pytest.approx(r["test_mae_before"], rel=0.05)
    assert r["size_bytes_after"] <= 0.35 * r["size_bytes_before"]
    folder = run.folder / "compressed"
    stored = load_file(str(folder / "int8.safetensors"))
    assert stored["net.rnn.weight_ih_l0"].dtype == torch.int8
    x = run.dataset.x["test"]
    with torch.no_grad():
        assert torch.equal(load_int8(folder)(x), quantize_dynamic_model(run.model())(x))


def test_vae_unknown_method_and_bad_sparsity_are_refused(home: Path, cnn_run) -> None:
    store = RunStore(home)
    vae = load_run(store.create_run(make_config("digits", model="vae")), store)
    with pytest.raises(LabInputError, match="VAE"):
        compress_run(vae, "int8")
    with pytest.raises(LabInputError, match="int8, prune"):
        compress_run(cnn_run, "int4")
    with pytest.raises(LabInputError, match=r"for 50% write 0\.5"):
        compress_run(cnn_run, "prune", sparsity=50)
    with pytest.raises(LabInputError, match="between 0 and 1"):
        compare_variants(cnn_run, sparsity=0)


def test_cli_compress_reports_six_keys_and_refuses_bad_sparsity(home: Path, cnn_run) -> None:
    results = run_lepton_many(home, {
        "prune": ["compress", cnn_run.id, "--method", "prune", "--sparsity", "0.6", "--json"],
        "bad": ["compress", cnn_run.id, "--method", "prune", "--sparsity", "1.5", "--json"],
    })  # fmt: skip
    obj = results["prune"].json()
    assert obj["run_id"] == cnn_run.id and obj["method"] == "prune" and obj["sparsity"] == 0.6
    assert all(isinstance(obj[k], int | float) for k in SIX_KEYS)
    assert obj["size_bytes_after"] == obj["size_bytes_before"]  # dense zeros cost the same bytes
    assert obj["zipped_bytes_after"] < 0.8 * obj["zipped_bytes_before"]
    assert obj["nonzero_after"] < 0.5 * obj["nonzero_before"]
    assert "same size, same speed" in obj["note"]
    assert obj["accuracy_before"] == pytest.approx(cnn_run.metrics["test_accuracy"])
    folder = cnn_run.folder / "compressed"
    assert [p.name for p in folder.glob("pruned-*")] == ["pruned-60.safetensors"]  # 70 dropped
    bad = results["bad"]
    assert bad.code == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "lepton: error: sparsity is the share of weights set to zero and must be between 0 and "
        "1, e.g. 0.5; got 1.5"
    ]
