"""Forecasting: MSE on scaled windows; MAE, RMSE, sMAPE beside naive and seasonal-naive."""

import numpy as np
import torch.nn.functional as F

from lepton_core.metrics.forecast import forecast_metrics
from lepton_core.tasks import TASKS, Task
from lepton_core.training.trainer import predict_logits


def evaluate_forecast(model, ds) -> tuple[dict, dict]:
    """Test-span metrics in original units for the model and the baselines it must beat."""
    fd = ds.extra  # ForecastData
    y = fd.unscale_target(ds.y["test"].numpy())
    pred = fd.unscale_target(predict_logits(model, ds.x["test"]).numpy())
    naive = fd.unscale_target(fd.naive_forecast("test"))
    metrics = {f"test_{k}": v for k, v in forecast_metrics(y, pred).items()}
    for baseline, values in fd.baseline_metrics("test").items():  # naive, seasonal_naive
        metrics |= {f"{baseline}_{k}": v for k, v in values.items()}
    evaluation = {
        "target": fd.target,
        "horizon": fd.horizon,
        "times": list(fd.times["test"]),
        "y_true": np.round(y, 6).tolist(),
        "y_pred": np.round(pred, 6).tolist(),
        "naive": np.round(naive, 6).tolist(),
    }
    seasonal = fd.seasonal_naive_forecast("test")
    if seasonal is not None:
        evaluation["seasonal_naive"] = np.round(fd.unscale_target(seasonal), 6).tolist()
    return metrics, evaluation


TASKS.register("forecasting")(Task("forecasting", F.mse_loss, False, evaluate_forecast, "test_mae"))
