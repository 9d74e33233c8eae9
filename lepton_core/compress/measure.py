"""What a model variant costs and how well it does: bytes, non-zeros, latency, test score."""

import io
import statistics
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from lepton_core.data import LabDataset

Predict = Callable[[np.ndarray], np.ndarray]  # a float32 batch -> the model's outputs (B, K)

BATCHES = (1, 64)
ROUNDS = 5  # the variants take turns this many times
CALLS = {1: 6, 64: 2}  # timed calls per turn (fewer for a slow model)
TIME_CAP_S = 1.0  # about this many seconds per model and batch size


def size_bytes(files: list[Path]) -> int:
    """Total bytes of every file of a variant (an ONNX weight side file included)."""
    return sum(Path(f).stat().st_size for f in files)


def zipped_bytes(files: list[Path]) -> int:
    """Bytes of the files in one deflate-compressed zip: shows what zeros buy in transfer size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for f in files:
            zf.write(f, Path(f).name)
    return len(buffer.getvalue())


def count_values(tensors: list) -> tuple[int, int]:
    """(values, non-zero values) over arrays or tensors."""
    total = nonzero = 0
    for t in tensors:
        a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        total += a.size
        nonzero += int(np.count_nonzero(a))
    return total, nonzero


def torch_predict(model: torch.nn.Module) -> Predict:
    """A Predict that runs `model` in eval mode without autograd."""
    model.eval()

    def predict(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = model(torch.from_numpy(x))
        return (out[0] if isinstance(out, tuple) else out).numpy()

    return predict


def onnx_predict(path: Path) -> Predict:
    """A Predict over an onnxruntime CPU session using torch's thread count (a fair race)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = torch.get_num_threads()
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})[0]


def outputs(predict: Predict, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Outputs for all of `x`, in batches."""
    return np.concatenate([predict(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])


def latency_ms(predicts: list[Predict], x: np.ndarray) -> list[dict[int, float]]:
    """Median milliseconds per call at batch 1 and batch 64, for each of `predicts`.

    The models take turns in ROUNDS, so a machine that gets busier slows all of them alike; each
    turn starts with an untimed call, while the other runtime's threads may still be spinning.
    Inputs are tiled when x is shorter than the batch.
    """
    results: list[dict[int, float]] = [{} for _ in predicts]
    for batch in BATCHES:
        xb = np.ascontiguousarray(np.resize(x, (batch, *x.shape[1:])), dtype=np.float32)
        times: list[list[float]] = [[] for _ in predicts]
        for _ in range(ROUNDS):
            for predict, row in zip(predicts, times, strict=True):
                t0 = time.perf_counter()
                predict(xb)  # untimed: first calls allocate, pick kernels and wake threads
                first = time.perf_counter() - t0
                calls = max(1, min(CALLS[batch], int(TIME_CAP_S / ROUNDS / max(first, 1e-6))))
                for _ in range(calls):
                    t0 = time.perf_counter()
                    predict(xb)
                    row.append(time.perf_counter() - t0)
        for result, row in zip(results, times, strict=True):
            result[batch] = round(1000 * statistics.median(row), 4)
    return results


def score_on_test(out: np.ndarray, ds: "LabDataset") -> dict[str, float | None]:
    """{"accuracy": ...} for classifiers, {"test_mae": ...} in the target's units otherwise."""
    y = ds.y["test"].numpy()
    if ds.classes:
        return {"accuracy": float((out.argmax(1) == y).mean()), "test_mae": None}
    if ds.task == "forecasting":
        fd = ds.extra
        err = fd.unscale_target(out) - fd.unscale_target(y)
    else:  # tabular regression: the target was standardised
        err = (out - y) * ds.meta["target_std"]
    return {"accuracy": None, "test_mae": float(np.abs(err).mean())}
