"""Tables -> LabDataset: built-in scikit-learn tables and uploaded CSVs, preprocessed as JSON."""

import numpy as np
import pandas as pd
import torch

from lepton_core.data.dataset import SPLITS, LabDataset
from lepton_core.errors import LabInputError


def tabular_dataset(
    source: str,
    df: pd.DataFrame,
    target: str | None,
    task: str | None = None,
    val: float = 0.15,
    test: float = 0.15,
    split_seed: int = 0,
    max_levels: int = 20,
) -> LabDataset:
    """Split, fit the preprocessing on train only, and wrap as tensors."""
    from lepton_core.data.tabular_prep import prepare_tabular

    if not target:
        raise LabInputError(
            f"choose the target column (--target); columns: {', '.join(map(str, df.columns))}"
        )
    td = prepare_tabular(
        df, target, task, val=val, test=test, seed=split_seed, source=source, max_levels=max_levels
    )
    x = {s: torch.from_numpy(np.ascontiguousarray(td.x[s], dtype=np.float32)) for s in SPLITS}
    meta = {
        "kind": "tabular",
        "target": target,
        "features": list(td.feature_names),
        "groups": {k: list(v) for k, v in td.groups.items()},
        "preprocessing": td.preprocessor.to_dict(),
    }
    options = {
        "target": target,
        "task": td.task,
        "val": val,
        "test": test,
        "split_seed": split_seed,
    }
    if td.task == "tabular-classification":
        y = {s: torch.from_numpy(np.asarray(td.y[s], dtype=np.int64)) for s in SPLITS}
        classes = list(td.classes)
    else:
        raw = {s: np.asarray(td.y[s], dtype=np.float64) for s in SPLITS}
        mean, std = float(raw["train"].mean()), float(raw["train"].std() or 1.0)
        meta |= {"target_mean": mean, "target_std": std}  # the model learns a standardised target
        y = {
            s: torch.from_numpy(((raw[s] - mean) / std).astype(np.float32)[:, None]) for s in SPLITS
        }
        classes = []
    td.report.shape = (sum(len(v) for v in td.y.values()), x["train"].shape[1])
    return LabDataset(source, td.task, classes, x, y, td.report, options, meta=meta, extra=td)


def builtin_table(name: str):
    """A loader for one of scikit-learn's bundled tables."""

    def load(source: str, **options) -> LabDataset:
        from lepton_core.data.tabular_prep import builtin_frame

        df, target = builtin_frame(name)
        options.setdefault("target", target)
        try:
            return tabular_dataset(source, df, **options)
        except TypeError as e:
            raise LabInputError(f"bad option for dataset {name!r}: {e}") from None

    return load
