"""Tabular regression: MSE on the standardised target; MAE, RMSE, R² against a ridge baseline."""

import numpy as np
import torch.nn.functional as F

from lepton_core.metrics.forecast import regression_metrics
from lepton_core.tasks import TASKS, Task
from lepton_core.training.trainer import predict_logits


def evaluate_regression(model, ds) -> tuple[dict, dict]:
    """Test metrics in the target's own units, beside ridge regression on the same features."""
    from sklearn.linear_model import Ridge

    mean, std = ds.meta["target_mean"], ds.meta["target_std"]
    y = ds.y["test"].numpy()[:, 0] * std + mean
    pred = predict_logits(model, ds.x["test"]).numpy()[:, 0] * std + mean
    ridge = Ridge(alpha=1.0).fit(ds.x["train"].numpy(), ds.y["train"].numpy()[:, 0])
    linear = ridge.predict(ds.x["test"].numpy()) * std + mean
    metrics = {f"test_{k}": v for k, v in regression_metrics(y, pred).items()}
    metrics |= {f"linear_{k}": v for k, v in regression_metrics(y, linear).items()}
    evaluation = {
        "target": ds.meta.get("target", "target"),
        "y_true": np.round(y, 6).tolist(),
        "y_pred": np.round(pred, 6).tolist(),
        "linear_pred": np.round(linear, 6).tolist(),
    }
    return metrics, evaluation


TASKS.register("tabular-regression")(
    Task("tabular-regression", F.mse_loss, False, evaluate_regression, "test_r2")
)
