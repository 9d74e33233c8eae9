"""Runs as table rows: the Runs page's listing, its filters and the frames it compares runs with."""

import time

import pandas as pd

from lepton_core.runs.store import RunRecord, RunStore

# the metric a user looks at first, per kind of run: (key, label, higher is better)
HEADLINES = (
    ("test_accuracy", "test accuracy", True),
    ("test_r2", "test R²", True),
    ("test_mae", "test MAE", False),
    ("test_recon_sse", "test squared error", False),
)
HYPERPARAMS = ("epochs", "batch_size", "lr", "optimizer", "weight_decay", "schedule", "seed")
NOT_SCALAR = ("per_class", "confusion_matrix")
COLUMNS = ["name", "status", "data", "model", "metric", "value", "seconds", "epochs_done", "tags",
           *HYPERPARAMS, "model_options", "task", "created", "run_id"]  # fmt: skip


def headline_metric(metrics: dict) -> tuple[str, str, float] | None:
    """(key, label, value) of the run's headline metric, or None before it has metrics."""
    for key, label, _ in HEADLINES:
        if isinstance(metrics.get(key), int | float):
            return key, label, float(metrics[key])
    return None


def scalar_metrics(metrics: dict) -> dict:
    """The metrics without the per-class table and the confusion matrix."""
    return {k: v for k, v in metrics.items() if k not in NOT_SCALAR}


def duration(rec: RunRecord, now: float | None = None) -> float | None:
    """Seconds of training (finished runs), or so far (running runs)."""
    if rec.train_seconds is not None:
        return float(rec.train_seconds)
    if rec.started is None:
        return None
    end = rec.finished or (now or time.time())
    return round(end - rec.started, 2)


def short_data(source: str) -> str:
    """A built-in name as is; an upload by its file or folder name."""
    return source.rstrip("/").split("/")[-1]


def run_row(rec: RunRecord) -> dict:
    """One row of the Runs table: what the run is, how it was trained, how it did."""
    train = rec.config.get("train", {})
    options = rec.config.get("model", {}).get("options", {})
    head = headline_metric(rec.metrics)
    return {
        "name": label(rec),
        "status": rec.status,
        "data": short_data(rec.data),
        "model": rec.model,
        "metric": head[1] if head else "",
        "value": head[2] if head else None,
        "seconds": duration(rec),
        "epochs_done": rec.epochs_completed,
        "tags": list(rec.tags),
        **{k: train.get(k) for k in HYPERPARAMS},
        "model_options": ", ".join(f"{k}={v}" for k, v in sorted(options.items())),
        "task": rec.task,
        "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.created)),
        "run_id": rec.id,
    }


def cli_row(rec: RunRecord) -> dict:
    """One run as `lepton runs --json` prints it."""
    return {
        "run_id": rec.id,
        "status": rec.status,
        "name": rec.name,
        "tags": list(rec.tags),
        "task": rec.task,
        "data": rec.data,
        "model": rec.model,
        "epochs_completed": rec.epochs_completed,
        "train_seconds": rec.train_seconds,
        "metrics": scalar_metrics(rec.metrics),
        "test_accuracy": rec.metrics.get("test_accuracy"),
        "error": rec.error,
        "workspace": rec.workspace,
        "published": rec.published,
    }


def filter_runs(
    records: list[RunRecord],
    statuses: list[str] | None = None,
    data: list[str] | None = None,
    models: list[str] | None = None,
    tags: list[str] | None = None,
    text: str = "",
) -> list[RunRecord]:
    """Runs matching every given filter (an empty filter matches all); `text` is case-blind."""
    needle = text.strip().lower()

    def keep(r: RunRecord) -> bool:
        hay = " ".join([r.id, r.name, r.data, r.model, r.task, r.status, *r.tags]).lower()
        return (
            (not statuses or r.status in statuses)
            and (not data or short_data(r.data) in data)
            and (not models or r.model in models)
            and (not tags or bool(set(tags) & set(r.tags)))
            and (not needle or needle in hay)
        )

    return [r for r in records if keep(r)]


def runs_frame(records: list[RunRecord]) -> pd.DataFrame:
    """The Runs table as a DataFrame (tags joined by commas)."""
    rows = []
    for r in records:
        row = run_row(r) | {"tags": ", ".join(r.tags)}
        if r.published:
            row["status"] += " · published"
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def label(rec: RunRecord) -> str:
    """A run's short name for legends: its name, else data · model · id tail."""
    return rec.name or f"{short_data(rec.data)} · {rec.model} · {rec.id[-6:]}"


def default_comparison(records: list[RunRecord], n: int = 3) -> list[str]:
    """Up to `n` newest finished runs of one task (the newest task with two), so curves compare."""
    finished = [r for r in records if r.status not in ("queued", "running")]
    for task in dict.fromkeys(r.task for r in finished):
        same = [r.id for r in finished if r.task == task][:n]
        if len(same) > 1:
            return same
    return []


def curve_keys(histories: dict[str, list[dict]]) -> list[str]:
    """Per-epoch numbers found in any of the histories (val first), for the curve picker."""
    keys: list[str] = []
    for rows in histories.values():
        for row in rows:
            keys += [k for k, v in row.items() if k not in keys and isinstance(v, int | float)]
    keys = [k for k in keys if k not in ("epoch", "seconds", "lr")]
    return sorted(keys, key=lambda k: (not k.startswith("val_"), k))


def curves_frame(store: RunStore, records: list[RunRecord], key: str) -> pd.DataFrame:
    """Long frame (run, epoch, value) of `key` per epoch for each run."""
    rows = [
        {"run": label(r), "run_id": r.id, "epoch": row["epoch"], "value": row[key]}
        for r in records
        for row in store.history(r.id)
        if isinstance(row.get(key), int | float)
    ]
    return pd.DataFrame(rows, columns=["run", "run_id", "epoch", "value"])


def metrics_frame(records: list[RunRecord]) -> pd.DataFrame:
    """One row per run, one column per numeric test metric (metrics a run lacks are empty)."""
    rows = []
    for r in records:
        numbers = {k: v for k, v in scalar_metrics(r.metrics).items() if isinstance(v, int | float)}
        rows.append({"run": label(r), "status": r.status, **numbers})
    return pd.DataFrame(rows).set_index("run") if rows else pd.DataFrame()


def numeric_metrics(records: list[RunRecord]) -> list[str]:
    """Numeric metric names the runs have, headline metrics first."""
    frame = metrics_frame(records)
    names = [c for c in frame.columns if c != "status"]
    first = [k for k, _, _ in HEADLINES if k in names]
    return first + [n for n in names if n not in first]


def hyperparams_frame(records: list[RunRecord], metric: str) -> pd.DataFrame:
    """Hyperparameters (numeric model options too) and `metric`, one row per run."""
    rows = []
    for r in records:
        train = r.config.get("train", {})
        options = r.config.get("model", {}).get("options", {})
        row = {"run": label(r), "model": r.model, **{k: train.get(k) for k in HYPERPARAMS}}
        row |= {k: v for k, v in options.items() if isinstance(v, int | float)}
        row[metric] = r.metrics.get(metric)
        rows.append(row)
    return pd.DataFrame(rows)
