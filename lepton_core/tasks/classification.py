"""Image and tabular classification: cross-entropy; accuracy, per-class scores, baselines."""

import numpy as np
import torch
import torch.nn.functional as F

from lepton_core.metrics import classification_metrics
from lepton_core.tasks import TASKS, Task
from lepton_core.training.trainer import predict_logits


def _test_probs(model, ds) -> tuple[np.ndarray, np.ndarray]:
    probs = torch.softmax(predict_logits(model, ds.x["test"]), dim=1).numpy()
    return ds.y["test"].numpy(), probs


def evaluate_images(model, ds) -> tuple[dict, dict]:
    """Test metrics and per-image probabilities."""
    y, probs = _test_probs(model, ds)
    evaluation = {"classes": ds.classes, "y_true": y.tolist(), "probs": np.round(probs, 5).tolist()}
    return classification_metrics(y, probs, ds.classes), evaluation


def evaluate_table(model, ds) -> tuple[dict, dict]:
    """As for images, plus ROC AUC and a logistic-regression baseline on the same split."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    metrics, evaluation = evaluate_images(model, ds)
    y, probs = np.array(evaluation["y_true"]), np.array(evaluation["probs"], dtype=np.float64)
    probs /= probs.sum(axis=1, keepdims=True)  # stored rounded to 5 decimals; AUC wants sum 1
    labels = list(range(len(ds.classes)))
    if len(np.unique(y)) == len(labels):  # AUC needs every class in the test split
        scores = probs[:, 1] if len(labels) == 2 else probs
        metrics["test_roc_auc"] = float(roc_auc_score(y, scores, multi_class="ovr", labels=labels))
    linear = LogisticRegression(max_iter=2000).fit(ds.x["train"].numpy(), ds.y["train"].numpy())
    linear_pred = linear.predict(ds.x["test"].numpy())
    metrics["linear_accuracy"] = float((linear_pred == y).mean())
    evaluation["linear_pred"] = linear_pred.tolist()
    return metrics, evaluation


for _name, _evaluate in (
    ("image-classification", evaluate_images),
    ("tabular-classification", evaluate_table),
):
    TASKS.register(_name)(Task(_name, F.cross_entropy, True, _evaluate, "test_accuracy"))
