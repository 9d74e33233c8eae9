"""Stratified, seeded train/val/test split."""

import numpy as np

from lepton_core.errors import LabInputError


def stratified_split(
    labels: np.ndarray, val: float = 0.15, test: float = 0.15, seed: int = 0
) -> dict[str, np.ndarray]:
    """Index arrays for train/val/test, each class spread proportionally."""
    from sklearn.model_selection import train_test_split  # 1.4 s to import: only when splitting

    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise LabInputError(
            f"split fractions must be in (0, 1) and sum below 1 (val={val}, test={test})"
        )
    idx = np.arange(len(labels))
    n_classes = len(np.unique(labels))
    stratify = labels if min(np.bincount(labels)) >= 3 else None
    n_test = max(n_classes if stratify is not None else 1, round(test * len(labels)))
    try:
        rest, test_idx = train_test_split(
            idx, test_size=n_test, random_state=seed, stratify=stratify
        )
        n_val = max(n_classes if stratify is not None else 1, round(val * len(labels)))
        strat_rest = labels[rest] if stratify is not None else None
        train_idx, val_idx = train_test_split(
            rest, test_size=n_val, random_state=seed + 1, stratify=strat_rest
        )
    except ValueError as e:
        raise LabInputError(f"too few examples to split into train/val/test: {e}") from None
    return {"train": np.sort(train_idx), "val": np.sort(val_idx), "test": np.sort(test_idx)}
