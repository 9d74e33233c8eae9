"""Classification metrics against scikit-learn as the independent truth."""

import numpy as np
import pytest
from sklearn import metrics as sk

from lepton_core.metrics import (
    classification_metrics,
    confident_mistakes,
    confusion_matrix,
    per_class_scores,
)

N_CLASSES = 5
NEVER_PREDICTED = 3
CLASSES = [f"class{i}" for i in range(N_CLASSES)]


def predictions(seed: int, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Labels and softmax-like probabilities; class 3 is never the argmax, class 4 never true."""
    rng = np.random.default_rng(seed)
    y_true = rng.choice([0, 1, 2, 3], size=n, p=[0.4, 0.3, 0.2, 0.1])
    logits = rng.normal(size=(n, N_CLASSES))
    logits[np.arange(n), y_true] += rng.uniform(0, 3, size=n)  # better than chance
    logits[:, NEVER_PREDICTED] -= 10
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y_true, probs


SEEDS = [0, 1, 2, 3]


@pytest.mark.parametrize("seed", SEEDS)
def test_accuracy_and_log_loss_match_sklearn(seed: int) -> None:
    y_true, probs = predictions(seed)
    m = classification_metrics(y_true, probs, CLASSES)
    y_pred = probs.argmax(axis=1)
    assert m["test_accuracy"] == pytest.approx(sk.accuracy_score(y_true, y_pred))
    expected_loss = sk.log_loss(y_true, probs, labels=list(range(N_CLASSES)))
    assert m["test_loss"] == pytest.approx(expected_loss, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_per_class_scores_match_sklearn_including_a_class_never_predicted(seed: int) -> None:
    y_true, probs = predictions(seed)
    y_pred = probs.argmax(axis=1)
    assert NEVER_PREDICTED not in y_pred and NEVER_PREDICTED in y_true
    labels = list(range(N_CLASSES))
    p, r, f1, support = sk.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    m = classification_metrics(y_true, probs, CLASSES)
    rows = m["per_class"]
    assert [row["class"] for row in rows] == CLASSES
    np.testing.assert_allclose([row["precision"] for row in rows], p)
    np.testing.assert_allclose([row["recall"] for row in rows], r)
    np.testing.assert_allclose([row["f1"] for row in rows], f1)
    assert [row["support"] for row in rows] == support.tolist()
    assert m["test_macro_f1"] == pytest.approx(
        sk.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    )
    assert rows[NEVER_PREDICTED]["precision"] == 0.0 and rows[NEVER_PREDICTED]["recall"] == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_confusion_matrix_matches_sklearn(seed: int) -> None:
    y_true, probs = predictions(seed)
    y_pred = probs.argmax(axis=1)
    expected = sk.confusion_matrix(y_true, y_pred, labels=list(range(N_CLASSES)))
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, N_CLASSES), expected)
    cm = classification_metrics(y_true, probs, CLASSES)["confusion_matrix"]
    assert cm == expected.tolist()  # rows: true class, columns: predicted class


def test_per_class_scores_on_a_hand_worked_example() -> None:
    cm = np.array([[3, 1], [0, 0]])  # class 1 never occurs and is predicted once
    s = per_class_scores(cm)
    np.testing.assert_allclose(s["precision"], [1.0, 0.0])
    np.testing.assert_allclose(s["recall"], [0.75, 0.0])
    np.testing.assert_allclose(s["f1"], [2 * 0.75 / 1.75, 0.0])
    assert s["support"].tolist() == [4, 0]


def test_log_loss_stays_finite_when_the_true_class_gets_zero_probability() -> None:
    probs = np.array([[1.0, 0.0], [0.0, 1.0]])
    m = classification_metrics(np.array([1, 1]), probs, ["a", "b"])
    assert np.isfinite(m["test_loss"]) and m["test_loss"] > 10
    assert m["test_accuracy"] == 0.5


def test_confident_mistakes_are_the_wrong_ones_most_confident_first() -> None:
    y_true = np.array([0, 1, 2, 0, 1, 2])
    probs = np.array(
        [
            [0.90, 0.05, 0.05],  # right
            [0.60, 0.30, 0.10],  # wrong, 0.60
            [0.05, 0.92, 0.03],  # wrong, 0.92
            [0.20, 0.70, 0.10],  # wrong, 0.70
            [0.10, 0.85, 0.05],  # right
            [0.60, 0.10, 0.30],  # wrong, 0.60 (tie: keeps data order)
        ]
    )
    got = confident_mistakes(y_true, probs, k=10)
    assert [g["index"] for g in got] == [2, 3, 1, 5]
    assert got[0] == {"index": 2, "true": 2, "pred": 1, "confidence": pytest.approx(0.92)}
    assert [g["confidence"] for g in got] == sorted((g["confidence"] for g in got), reverse=True)
    assert [g["index"] for g in confident_mistakes(y_true, probs, k=2)] == [2, 3]


def test_no_mistakes_gives_an_empty_list() -> None:
    probs = np.eye(3)
    assert confident_mistakes(np.arange(3), probs) == []
