"""Metrics: pure functions, no torch."""

from lepton_core.metrics.classification import (
    classification_metrics,
    confident_mistakes,
    confusion_matrix,
    per_class_scores,
)

__all__ = ["classification_metrics", "confident_mistakes", "confusion_matrix", "per_class_scores"]
