"""Tables for training: check the target, split, and fit the preprocessing on train only."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lepton_core.data.report import DataReport
from lepton_core.data.splits import stratified_split
from lepton_core.data.tabular_columns import (
    CLASSIFICATION,
    REGRESSION,
    TASKS,
    infer_column_types,
    infer_task,
    is_mixed_numeric,
    is_numeric,
    numeric_values,
)
from lepton_core.data.tabular_preprocessor import TabularPreprocessor, label_strings
from lepton_core.errors import LabInputError

__all__ = [
    "BUILTIN_TABLES",
    "TabularData",
    "TabularPreprocessor",
    "builtin_frame",
    "infer_column_types",
    "infer_task",
    "prepare_tabular",
]

SPLITS = ("train", "val", "test")
MIN_ROWS = 10
BUILTIN_TABLES = ("breast-cancer", "wine", "diabetes")


@dataclass
class TabularData:
    """Encoded splits, what the features are, the fitted preprocessing and the report."""

    task: str
    x: dict[str, np.ndarray]  # split -> float32 (N, F)
    y: dict[str, np.ndarray]  # split -> int64 class indices, or float32 values in target units
    feature_names: list[str]
    groups: dict[str, list[int]]  # original column -> indices into feature_names
    classes: list[str]
    preprocessor: TabularPreprocessor
    report: DataReport


def prepare_tabular(
    df: pd.DataFrame,
    target: str,
    task: str | None = None,
    *,
    val: float = 0.15,
    test: float = 0.15,
    seed: int = 0,
    source: str = "upload",
    max_levels: int = 20,
) -> TabularData:
    """Validate the target, drop rows without one, split, fit on train, encode every split."""
    notes = list(df.attrs.get("notes", []))
    df = df.rename(columns=str)
    if target not in df.columns:
        names = ", ".join(map(repr, df.columns[:30])) + (", ..." if len(df.columns) > 30 else "")
        raise LabInputError(f"no column named {target!r}; the columns are: {names}")
    if task is not None and task not in TASKS:
        raise LabInputError(f"unknown task {task!r}; choose one of {list(TASKS)}")
    if df[target].isna().all():
        raise LabInputError(f"the target column {target!r} has no values")
    task = _check_task(df[target], target, task)
    for col in df.columns.drop(target):
        if is_mixed_numeric(df[col]):
            notes.append(_mixed_note(df[col], col))
            df[col] = numeric_values(df[col])
    types = infer_column_types(df, target)  # on every row read: the file's structure
    n_read = len(df)
    df, dropped = _drop_missing_target(df, target, task)
    labels = label_strings(df[target]) if task == CLASSIFICATION else numeric_values(df[target])
    if labels.nunique() < 2:
        raise LabInputError(
            f"the target column {target!r} has a single value ({labels.iloc[0]!r}); "
            "there is nothing to learn"
        )
    if len(df) < MIN_ROWS:
        raise LabInputError(
            f"only {len(df)} rows have a target value; at least {MIN_ROWS} are needed"
        )
    classes = sorted(set(labels)) if task == CLASSIFICATION else []
    if task == CLASSIFICATION:
        idx = stratified_split(pd.Index(classes).get_indexer(labels), val, test, seed)
    else:
        idx = _random_split(len(df), val, test, seed)
    pre = TabularPreprocessor().fit(
        df.iloc[idx["train"]], target, task, max_levels, column_types=types, classes=classes
    )
    x = {s: pre.transform(df.iloc[idx[s]]) for s in SPLITS}
    y = {s: pre.encode_target(df[target].iloc[idx[s]]) for s in SPLITS}
    report = DataReport(source=source, task=task, shape=(len(df), len(pre.feature_names)))
    if task == CLASSIFICATION:
        report.counts = {c: int((labels == c).sum()) for c in classes}
    if len(dropped):
        shown = ", ".join(map(str, dropped[:5])) + (", ..." if len(dropped) > 5 else "")
        report.skip(f"{len(dropped)} rows ({shown})", f"no value in the target column {target!r}")
    report.notes = [
        f"read {n_read:,} rows; dropped {len(dropped):,} with no target value; used {len(df):,}",
        *notes,
        _types_line(types),
        *pre.notes,
        "split " + ", ".join(f"{s} {len(idx[s])}" for s in SPLITS) + f" (seed {seed})",
    ]
    return TabularData(task, x, y, pre.feature_names, pre.groups, pre.classes, pre, report)


def builtin_frame(name: str) -> tuple[pd.DataFrame, str]:
    """A scikit-learn table as (frame, target column); class targets carry their names."""
    from sklearn import datasets  # slow to import: only when asked

    loaders = {
        "breast-cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "diabetes": datasets.load_diabetes,
    }
    if name not in loaders:
        raise LabInputError(f"no built-in table {name!r}; choose one of {list(loaders)}")
    bunch = loaders[name](as_frame=True)
    df = bunch.frame.copy()
    if name != "diabetes":
        df["target"] = np.asarray(bunch.target_names)[df["target"].to_numpy()]
    return df, "target"


def _check_task(y: pd.Series, target: str, task: str | None) -> str:
    """The inferred task, or the user's if the target allows it."""
    wanted = task or infer_task(y)
    if wanted == REGRESSION and is_mixed_numeric(y):
        bad = y.dropna()[numeric_values(y.dropna()).isna()].iloc[0]
        raise LabInputError(
            f"the target column {target!r} is mostly numbers but has text such as {bad!r}; "
            "fix those cells, or choose classification"
        )
    if wanted == REGRESSION and not is_numeric(y):
        raise LabInputError(
            f"regression needs a numeric target; {target!r} has values like {y.dropna().iloc[0]!r}"
        )
    return wanted


def _mixed_note(s: pd.Series, col: str) -> str:
    present = s.dropna()
    bad = present[numeric_values(present).isna()]
    return (
        f"column {col!r}: {len(bad)} non-numeric value(s) such as {bad.iloc[0]!r} "
        "treated as missing"
    )


def _drop_missing_target(
    df: pd.DataFrame, target: str, task: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows with a usable target, and the 1-based numbers of the rows dropped."""
    missing = df[target].isna()
    if task == REGRESSION:
        missing |= numeric_values(df[target]).isna()
    dropped = np.flatnonzero(missing.to_numpy()) + 1
    return df[~missing].reset_index(drop=True), dropped


def _random_split(n: int, val: float, test: float, seed: int) -> dict[str, np.ndarray]:
    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise LabInputError(
            f"split fractions must be in (0, 1) and sum below 1 (val={val}, test={test})"
        )
    perm = np.random.default_rng(seed).permutation(n)
    n_test, n_val = max(1, round(test * n)), max(1, round(val * n))
    if n - n_test - n_val < 1:
        raise LabInputError(f"too few rows ({n}) to split into train/val/test")
    return {
        "train": np.sort(perm[n_test + n_val :]),
        "val": np.sort(perm[n_test : n_test + n_val]),
        "test": np.sort(perm[:n_test]),
    }


def _types_line(types: dict[str, str]) -> str:
    by_kind: dict[str, list[str]] = {}
    for col, kind in types.items():
        by_kind.setdefault(kind, []).append(col)
    parts = []
    for kind, cols in by_kind.items():
        shown = ", ".join(cols[:8]) + (f" (+{len(cols) - 8} more)" if len(cols) > 8 else "")
        parts.append(f"{kind} {len(cols)}: {shown}")
    return "column types: " + "; ".join(parts)
