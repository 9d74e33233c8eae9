"""Explanations of tables and series, summed back to what users recognise.

Tables: one signed value per original column (one-hot groups summed back), per row and as the
mean |attribution| over the test set. Series: a (time step × feature) map for one forecast step.
"""

import numpy as np
import torch

from lepton_core.explain import attribute


def group_columns(attr: np.ndarray, groups: dict[str, list[int]]) -> dict[str, np.ndarray]:
    """(N, F_encoded) -> {original column: (N,)} by summing each column's encoded features."""
    return {col: attr[:, idx].sum(axis=1) for col, idx in groups.items()}


def explain_rows(model, x: torch.Tensor, groups: dict, method: str, target=None) -> dict:
    """Signed attribution per original column for each row of `x` (B, F): {column: (B,)}."""
    attr = attribute(model, x, method, target).numpy()
    return group_columns(attr, groups)


def global_importance(model, x: torch.Tensor, groups: dict, method: str, target=None) -> dict:
    """Mean |attribution| per original column over all rows of `x`, largest first."""
    attr = attribute(model, x, method, target).numpy()
    per_col = {c: float(np.abs(v).mean()) for c, v in group_columns(attr, groups).items()}
    return dict(sorted(per_col.items(), key=lambda kv: -kv[1]))


def explain_window(model, x: torch.Tensor, method: str, step: int = 0) -> np.ndarray:
    """(lookback, F) attribution map of one window (lookback, F) for forecast step `step`."""
    return attribute(model, x, method, target=step).numpy()
