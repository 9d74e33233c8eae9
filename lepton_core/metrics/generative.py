"""Generative-model metrics: pure functions over numpy arrays."""

import numpy as np


def latent_knn_accuracy(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, k: int = 5
) -> float:
    """Accuracy of a k-nearest-neighbour vote (Euclidean, among train codes) on the test codes.

    How well the latent space separates the classes, although the model never saw a label.
    Ties go to the lower class index.
    """
    k = min(k, len(z_train))
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    correct = 0
    for i in range(0, len(z_test), 256):  # (256, n_train) distances at a time
        d = ((z_test[i : i + 256, None, :] - z_train[None, :, :]) ** 2).sum(-1)
        votes = y_train[np.argsort(d, axis=1, kind="stable")[:, :k]]
        counts = np.stack([(votes == c).sum(1) for c in range(n_classes)], axis=1)
        correct += int((counts.argmax(1) == y_test[i : i + 256]).sum())
    return correct / len(z_test)
