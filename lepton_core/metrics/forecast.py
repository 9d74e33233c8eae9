"""Forecasting and regression metrics as pure numpy functions, in the data's own units."""

import numpy as np


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(y_true, dtype=np.float64).ravel()
    f = np.asarray(y_pred, dtype=np.float64).ravel()
    if a.shape != f.shape:
        raise ValueError(f"y_true has {a.size} values but y_pred has {f.size}")
    if a.size == 0:
        raise ValueError("no values to score")
    return a, f


def smape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Symmetric MAPE in percent (0..200): mean of 2|a-f| / (|a|+|f|), with 0/0 counted as 0."""
    a, f = _pair(y_true, y_pred)
    denom = np.abs(a) + np.abs(f)
    ratio = np.divide(2 * np.abs(a - f), denom, out=np.zeros_like(a), where=denom > 0)
    return float(100 * ratio.mean())


def forecast_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MAE, RMSE and sMAPE (percent) over every forecast step, JSON-ready."""
    a, f = _pair(y_true, y_pred)
    err = a - f
    return {
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "smape": smape(a, f),
    }


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MAE, RMSE and R² (1 for a perfect fit of a constant target, else 0 there), JSON-ready."""
    a, f = _pair(y_true, y_pred)
    err = a - f
    ss_res = float((err**2).sum())
    ss_tot = float(((a - a.mean()) ** 2).sum())
    if ss_tot > 0:
        r2 = 1.0 - ss_res / ss_tot
    else:
        r2 = 1.0 if ss_res == 0 else 0.0
    return {
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "r2": r2,
    }
