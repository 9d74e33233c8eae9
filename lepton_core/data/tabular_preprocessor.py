"""TabularPreprocessor: fitted on the train split, applied to every split and to new rows.

Its whole state is plain JSON (to_dict/from_dict), never a pickle, so a saved run's predictions
and exports encode features exactly as training did.
"""

import copy

import numpy as np
import pandas as pd

from lepton_core.data.tabular_columns import (
    CLASSIFICATION,
    TASKS,
    date_settings,
    infer_column_types,
    is_numeric,
    numeric_matrix,
    numeric_values,
    parse_dates,
)
from lepton_core.errors import LabInputError

VERSION = 1
OTHER, MISSING = "other", "(missing)"
DATE_PARTS = ("year", "month", "day_of_week", "day_of_year")
DROP_REASONS = {
    "id": "looks like an ID (a different value in almost every row)",
    "empty": "has no values",
    "constant": "has the same value in every row",
}
_STATE = ("target", "task", "max_levels", "column_types", "numeric", "categorical", "dates")
_STATE += ("feature_names", "groups", "classes", "notes", "target_mean", "target_std")


def label_strings(y: pd.Series) -> pd.Series:
    """Target values as class names: 1.0 -> "1", text stays text."""
    if is_numeric(y):
        v = y.astype("float64")
        if bool(np.all((v == np.round(v)) & (v.abs() < 2**53))):
            return v.astype("int64").astype(str)
    return y.astype("str").str.strip()


class TabularPreprocessor:
    """Standardise numbers, impute (+ missing indicator), one-hot categories, expand dates."""

    def __init__(self) -> None:
        self.target, self.task, self.max_levels = "", "", 20
        self.column_types: dict[str, str] = {}
        self.numeric: dict[str, dict] = {}  # col -> mean, std, median, indicator
        self.categorical: dict[str, list[str]] = {}  # col -> kept levels, "other" last
        self.dates: dict[str, dict] = {}  # col -> dayfirst, format, per-part stats
        self.feature_names: list[str] = []
        self.groups: dict[str, list[int]] = {}  # original column -> encoded feature indices
        self.classes: list[str] = []
        self.notes: list[str] = []
        self.target_mean, self.target_std = 0.0, 1.0

    def fit(
        self,
        df_train: pd.DataFrame,
        target: str,
        task: str,
        max_levels: int = 20,
        *,
        column_types: dict[str, str] | None = None,
        classes: list[str] | None = None,
    ) -> "TabularPreprocessor":
        """Learn every statistic from the train rows only (types and classes may be given)."""
        if task not in TASKS:
            raise LabInputError(f"unknown task {task!r}; choose one of {list(TASKS)}")
        if max_levels < 2:
            raise LabInputError(f"max_levels must be at least 2 (got {max_levels})")
        df_train = df_train.rename(columns=str)
        if target not in df_train.columns:
            raise LabInputError(f"no column named {target!r}")
        self.__init__()
        self.target, self.task, self.max_levels = target, task, max_levels
        types = column_types if column_types is not None else infer_column_types(df_train, target)
        self.column_types = dict(types)
        self._fit_numeric(df_train, [c for c, k in types.items() if k == "numeric"])
        for col, kind in self.column_types.items():
            if kind == "date":
                self._fit_date(col, df_train[col])
            elif kind == "categorical":
                self._fit_categorical(col, df_train[col])
            elif kind in DROP_REASONS:
                self.notes.append(f"dropped {col!r}: it {DROP_REASONS[kind]}")
        self._index_features()
        if not self.feature_names:
            raise LabInputError("no usable feature columns: " + "; ".join(self.notes))
        self._fit_target(df_train[target], classes)
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Encoded features float32 (N, F), in feature_names order."""
        df = df.rename(columns=str)
        absent = [c for c in self.groups if c not in df.columns]
        if absent:
            raise LabInputError(f"the data lacks column(s) the model was trained with: {absent}")
        out = np.zeros((len(df), len(self.feature_names)), dtype=np.float32)  # (N, F)
        cols = list(self.numeric)
        if cols:
            stats = [self.numeric[c] for c in cols]
            at = [self.groups[c] for c in cols]
            _scale_into(out, numeric_matrix(df, cols), stats, at)
        for col, levels in self.categorical.items():
            out[:, self.groups[col]] = _one_hot(df[col], levels)
        for col, spec in self.dates.items():
            parts = _date_parts(parse_dates(df[col], spec))
            stats = [spec["parts"][p] for p in DATE_PARTS]
            idx = self.groups[col]
            at = [[i] for i in idx[:4]]
            if len(idx) > 4:  # one missing indicator for the whole date
                at[0].append(idx[4])
            _scale_into(out, parts, stats, at)
        return out

    def encode_target(self, y: pd.Series) -> np.ndarray:
        """Class indices int64 (into classes), or regression values float32 in their units."""
        if y.isna().any():
            raise LabInputError(f"the target {self.target!r} has missing values")
        if self.task == CLASSIFICATION:
            idx = pd.Index(self.classes).get_indexer(label_strings(y))
            if (idx < 0).any():
                bad = label_strings(y)[idx < 0].iloc[0]
                raise LabInputError(
                    f"target value {bad!r} is not one of the classes {self.classes}"
                )
            return idx.astype(np.int64)
        v = numeric_values(y)
        if v.isna().any():
            raise LabInputError(f"the target {self.target!r} has non-numeric values")
        return v.to_numpy(dtype=np.float32)

    def decode_target(self, z: np.ndarray) -> np.ndarray:
        """Model outputs back to targets: class names, or standardised values in target units."""
        if self.task == CLASSIFICATION:
            return np.asarray(self.classes, dtype=object)[np.asarray(z, dtype=np.int64)]
        return np.asarray(z, dtype=np.float64) * self.target_std + self.target_mean

    def to_dict(self) -> dict:
        """JSON-ready state."""
        return {"version": VERSION} | {k: copy.deepcopy(getattr(self, k)) for k in _STATE}

    @classmethod
    def from_dict(cls, d: dict) -> "TabularPreprocessor":
        """Rebuild from to_dict() output."""
        if d.get("version") != VERSION:
            raise LabInputError(f"unsupported preprocessing version {d.get('version')!r}")
        pre = cls()
        for k in _STATE:
            setattr(pre, k, copy.deepcopy(d[k]))
        return pre

    def _fit_numeric(self, df_train: pd.DataFrame, cols: list[str]) -> None:
        x = numeric_matrix(df_train, cols)  # (N, k)
        for col, st in zip(cols, _column_stats(x), strict=True):
            if st is None:
                self.notes.append(f"dropped {col!r}: it has no values in the training rows")
            else:
                self.numeric[col] = st

    def _fit_categorical(self, col: str, s: pd.Series) -> None:
        counts = _category_strings(s).value_counts()
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        levels = [level for level, _ in ranked[: self.max_levels - 1]]
        if len(ranked) > len(levels):
            self.notes.append(
                f"{col!r}: {len(ranked)} levels; kept the {len(levels)} most frequent, "
                f"the rest count as {OTHER!r}"
            )
        self.categorical[col] = levels + ([OTHER] if OTHER not in levels else [])

    def _fit_date(self, col: str, s: pd.Series) -> None:
        settings = date_settings(s)
        stats = _column_stats(_date_parts(parse_dates(s, settings))) if settings else [None]
        if stats[0] is None:
            self.notes.append(f"dropped {col!r}: its dates could not be read")
            return
        self.dates[col] = settings | {"parts": dict(zip(DATE_PARTS, stats, strict=True))}
        self.notes.append(f"date column {col!r} expanded into {', '.join(DATE_PARTS)}")

    def _fit_target(self, y: pd.Series, classes: list[str] | None) -> None:
        if self.task == CLASSIFICATION:
            self.classes = list(classes) if classes else sorted(set(label_strings(y.dropna())))
            return
        v = numeric_values(y).dropna().astype(np.float32).astype(np.float64)
        self.target_mean = float(v.mean())
        std = float(v.std(ddof=0))
        self.target_std = std if np.isfinite(std) and std > 0 else 1.0

    def _index_features(self) -> None:
        self.feature_names, self.groups = [], {}
        for col in self.column_types:
            if col in self.numeric:
                names = [col] + ([f"{col}__missing"] if self.numeric[col]["indicator"] else [])
            elif col in self.categorical:
                names = [f"{col}={level}" for level in self.categorical[col]]
            elif col in self.dates:
                names = [f"{col}.{p}" for p in DATE_PARTS]
                names += (
                    [f"{col}__missing"] if self.dates[col]["parts"]["year"]["indicator"] else []
                )
            else:
                continue
            start = len(self.feature_names)
            self.groups[col] = list(range(start, start + len(names)))
            self.feature_names += names


def _column_stats(x: np.ndarray) -> list[dict | None]:
    """Per column of (N, k): mean, std (1 when 0), median, needs-indicator; None if no values."""
    out: list[dict | None] = []
    for v in x.T:
        present = v[~np.isnan(v)]
        if not len(present):
            out.append(None)
            continue
        with np.errstate(all="ignore"):
            mean, std, median = present.mean(), present.std(), np.median(present)
        out.append(
            {
                "mean": float(mean) if np.isfinite(mean) else 0.0,
                "std": float(std) if np.isfinite(std) and std > 0 else 1.0,
                "median": float(median),
                "indicator": bool(len(present) < len(v)),
            }
        )
    return out


def _scale_into(out: np.ndarray, x: np.ndarray, stats: list[dict], at: list[list[int]]) -> None:
    """Impute with the median, standardise, and write each column (+ indicator) to its slots."""
    mean, std, median = (np.array([st[k] for st in stats]) for k in ("mean", "std", "median"))
    missing = np.isnan(x)
    out[:, [a[0] for a in at]] = (np.where(missing, median, x) - mean) / std
    flagged = [j for j, a in enumerate(at) if len(a) > 1]
    if flagged:
        out[:, [at[j][1] for j in flagged]] = missing[:, flagged]


def _category_strings(s: pd.Series) -> pd.Series:
    return s.astype("str").str.strip().fillna(MISSING)


def _one_hot(s: pd.Series, levels: list[str]) -> np.ndarray:
    values = _category_strings(s).to_numpy(dtype=object)
    values = np.where(np.isin(values, levels), values, OTHER)
    return (values[:, None] == np.asarray(levels, dtype=object)[None, :]).astype(np.float64)


def _date_parts(ts: pd.Series) -> np.ndarray:
    """Year, month, day of week, day of year as float64 (N, 4); NaN where there is no date."""
    parts = (ts.dt.year, ts.dt.month, ts.dt.day_of_week, ts.dt.day_of_year)
    return np.stack([p.to_numpy(dtype=np.float64, na_value=np.nan) for p in parts], axis=1)
