"""Classification metrics as pure numpy functions."""

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts (n_classes, n_classes): rows are true classes, columns predicted."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def per_class_scores(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support per class (0 where undefined)."""
    tp = np.diag(cm).astype(float)
    predicted, support = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def classification_metrics(y_true: np.ndarray, probs: np.ndarray, classes: list[str]) -> dict:
    """Accuracy, log loss, macro F1, per-class table and confusion matrix, JSON-ready."""
    y_true = np.asarray(y_true)
    y_pred = probs.argmax(axis=1)
    cm = confusion_matrix(y_true, y_pred, len(classes))
    scores = per_class_scores(cm)
    p_true = np.clip(probs[np.arange(len(y_true)), y_true], 1e-12, 1.0)
    return {
        "test_accuracy": float((y_pred == y_true).mean()),
        "test_loss": float(-np.log(p_true).mean()),
        "test_macro_f1": float(scores["f1"].mean()),
        "per_class": [
            {
                "class": c,
                "precision": float(scores["precision"][i]),
                "recall": float(scores["recall"][i]),
                "f1": float(scores["f1"][i]),
                "support": int(scores["support"][i]),
            }
            for i, c in enumerate(classes)
        ],
        "confusion_matrix": cm.tolist(),
    }


def confident_mistakes(y_true: np.ndarray, probs: np.ndarray, k: int = 12) -> list[dict]:
    """The k wrong predictions made with the highest confidence."""
    y_pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(y_pred != np.asarray(y_true))
    conf = probs[wrong, y_pred[wrong]]
    order = wrong[np.argsort(-conf, kind="stable")][:k]
    return [
        {
            "index": int(i),
            "true": int(y_true[i]),
            "pred": int(y_pred[i]),
            "confidence": float(probs[i, y_pred[i]]),
        }
        for i in order
    ]
