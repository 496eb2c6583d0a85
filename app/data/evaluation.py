"""A model's evaluation on one split: the headline scores and the details behind them.

Scores use docs/ARCHITECTURE.md's names (classification: accuracy, balanced_accuracy,
f1_macro, roc_auc, log_loss, plus precision_macro and recall_macro; regression:
r2, mae, rmse in the label's original units; classification adds the Brier score,
brier). Everything returned is JSON-safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from app.data.calibration import brier_score
from app.data.metrics import (
    classification_scores,
    confusion,
    per_class_scores,
    pr_curves,
    regression_scores,
    residual_points,
    roc_curves,
)
from app.data.numbers import finite

# Stored metrics (`Experiment.metrics`): per split ("train", "validation", "test"), each
# metric's value, None when it could not be computed (one class only, not finite).
SplitMetrics = dict[str, float | None]
MetricsBySplit = dict[str, SplitMetrics]


def headline_metric(task: str | None) -> str:
    """The one score a task is ranked and summarised on: accuracy, or R² for regression."""
    return "r2" if task == "regression" else "accuracy"


# Per task, the metric the engine reports each epoch (the headline).
HEADLINE_METRIC: dict[str, str] = {task: headline_metric(task) for task in ("binary", "multiclass", "regression")}


def headline_score(
    task: str | None, metrics: Mapping[str, Mapping[str, float | None]] | None, split: str
) -> float | None:
    """The task's headline metric on one split of stored metrics; None when absent or not finite."""
    value = ((metrics or {}).get(split) or {}).get(headline_metric(task))
    return finite(value) if isinstance(value, int | float) else None


def classification_evaluation(
    y: np.ndarray,
    probabilities: np.ndarray,
    class_names: Sequence[Any],
    threshold: float | None = None,
    minority_class: Any = None,
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """(scores, details) for class indices y (n,) and probabilities (n, n_classes).

    threshold: binary only, see decisions.py. minority_class: the class whose ROC and PR
    curves the page shows first (the rarest in the training rows); the last class if None.
    """
    details = {
        "classes": list(class_names),
        "confusion_matrix": confusion(y, probabilities, threshold),
        "per_class": per_class_scores(y, probabilities, class_names, threshold),
        "roc": roc_curves(y, probabilities, class_names),
        "pr": pr_curves(y, probabilities, class_names),
        "curve_class": minority_class if minority_class is not None else list(class_names)[-1],
    }
    scores = classification_scores(y, probabilities, threshold)
    scores["brier"] = brier_score(y, probabilities)
    return scores, details


def regression_evaluation(
    y: np.ndarray, predicted: np.ndarray
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """(scores, details) for actual and predicted values (n,) in original units."""
    return regression_scores(y, predicted), {"residuals": residual_points(y, predicted)}


def score_for_importance(task: str, y: np.ndarray, outputs: np.ndarray) -> float | None:
    """Accuracy (classification) or R² (regression) of raw network outputs; higher is better.

    y: binary (n, 1) 0/1, multiclass (n,) indices, regression (n, 1) standardized
    (R² does not change under the standardization).
    """
    if task == "regression":
        return regression_scores(np.asarray(y).ravel(), np.asarray(outputs).ravel())["r2"]
    if task == "binary":
        predicted = (np.asarray(outputs).ravel() >= 0.5).astype(np.int64)
        return float(np.mean(predicted == np.asarray(y).ravel()))
    return float(np.mean(np.asarray(outputs).argmax(axis=1) == np.asarray(y)))
