"""Evaluation metrics through scikit-learn, returned as JSON-safe plain values.

Undefined values (AUC with one class present, R² of one row) are None, never NaN.
Curves are downsampled to at most `MAX_CURVE_POINTS` points.

Shapes: `y` is class indices (n,) int for classification, values (n,) for
regression; `probabilities` is (n, n_classes), rows summing to 1.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

from app.data.decisions import predicted_at

MAX_CURVE_POINTS = 101
CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss")
REGRESSION_METRICS = ("r2", "mae", "rmse")


def json_safe(value: Any) -> Any:
    """Plain Python values with NaN and infinities replaced by None, recursively."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _quietly(compute: Any, *args: Any, **kwargs: Any) -> float | None:
    """A metric, or None when scikit-learn finds it undefined for these rows."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "only one class present", "R^2 not well-defined"
        try:
            value = float(compute(*args, **kwargs))
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def _roc_auc(y: np.ndarray, probabilities: np.ndarray) -> float | None:
    n_classes = probabilities.shape[1]
    present = np.unique(y)
    if present.size < 2:
        return None
    if n_classes == 2:
        return _quietly(skm.roc_auc_score, y, probabilities[:, 1])
    if present.size < n_classes:
        # One-vs-rest over the classes present, each scored against the others.
        return _quietly(
            skm.roc_auc_score,
            label_binarize(y, classes=present),
            probabilities[:, present],
            average="macro",
        )
    return _quietly(skm.roc_auc_score, y, probabilities, multi_class="ovr", average="macro")


def classification_scores(
    y: np.ndarray, probabilities: np.ndarray, threshold: float | None = None
) -> dict[str, float | None]:
    """accuracy, balanced_accuracy, f1_macro, precision_macro, recall_macro, roc_auc, log_loss.

    threshold (binary only): the positive class is predicted from that probability on.
    """
    y = np.asarray(y, dtype=np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = list(range(probabilities.shape[1]))
    predicted = predicted_at(probabilities, threshold)
    if y.size == 0:
        return dict.fromkeys(CLASSIFICATION_METRICS + ("precision_macro", "recall_macro"))
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        y, predicted, labels=np.unique(np.concatenate([y, predicted])), average="macro",
        zero_division=0,
    )
    return {
        "accuracy": _quietly(skm.accuracy_score, y, predicted),
        "balanced_accuracy": _quietly(skm.balanced_accuracy_score, y, predicted),
        "f1_macro": float(f1),
        "precision_macro": float(precision),
        "recall_macro": float(recall),
        "roc_auc": _roc_auc(y, probabilities),
        "log_loss": _quietly(skm.log_loss, y, probabilities / probabilities.sum(axis=1, keepdims=True), labels=labels),
    }


def per_class_scores(
    y: np.ndarray, probabilities: np.ndarray, class_names: Sequence[Any], threshold: float | None = None
) -> list[dict[str, Any]]:
    """Per class: its name, precision, recall, f1 and support (rows of that class)."""
    labels = list(range(len(class_names)))
    predicted = predicted_at(probabilities, threshold)
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y, predicted, labels=labels, zero_division=0
    )
    return [
        json_safe({"class": name, "precision": p, "recall": r, "f1": f, "support": s})
        for name, p, r, f, s in zip(class_names, precision, recall, f1, support, strict=True)
    ]


def confusion(y: np.ndarray, probabilities: np.ndarray, threshold: float | None = None) -> list[list[int]]:
    """Counts, shape (n_classes, n_classes): row = actual class, column = predicted class."""
    labels = list(range(np.asarray(probabilities).shape[1]))
    predicted = predicted_at(probabilities, threshold)
    return skm.confusion_matrix(y, predicted, labels=labels).tolist()


def downsample(n: int, max_points: int = MAX_CURVE_POINTS) -> np.ndarray:
    """At most max_points evenly spaced indices into n points, first and last kept."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))


def _one_vs_rest(y: np.ndarray, probabilities: np.ndarray, class_names: Sequence[Any]) -> list:
    """(class name, is-that-class (n,), its probability (n,)) per curve to draw: one per
    class, binary included, so that the page can show the rarer class's curve."""
    return [(name, y == i, probabilities[:, i]) for i, name in enumerate(class_names)]


def roc_curves(
    y: np.ndarray, probabilities: np.ndarray, class_names: Sequence[Any]
) -> list[dict[str, Any]]:
    """Per class: {"class", "fpr", "tpr", "auc"}; a class absent from y (or alone in it) has none."""
    curves = []
    for name, positive, score in _one_vs_rest(np.asarray(y), np.asarray(probabilities), class_names):
        if positive.all() or not positive.any():
            continue
        fpr, tpr, _ = skm.roc_curve(positive, score)
        keep = downsample(fpr.size)
        auc = _quietly(skm.auc, fpr, tpr)
        curves.append(json_safe({"class": name, "fpr": fpr[keep], "tpr": tpr[keep], "auc": auc}))
    return curves


def pr_curves(
    y: np.ndarray, probabilities: np.ndarray, class_names: Sequence[Any]
) -> list[dict[str, Any]]:
    """Per class: {"class", "recall", "precision", "average_precision"}."""
    curves = []
    for name, positive, score in _one_vs_rest(np.asarray(y), np.asarray(probabilities), class_names):
        if not positive.any():
            continue
        precision, recall, _ = skm.precision_recall_curve(positive, score)
        keep = downsample(recall.size)
        ap = _quietly(skm.average_precision_score, positive, score)
        curves.append(
            json_safe(
                {"class": name, "recall": recall[keep], "precision": precision[keep],
                 "average_precision": ap}
            )
        )
    return curves


def regression_scores(y: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    """r2, mae, rmse, in the units of y."""
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1)
    if y.size == 0:
        return dict.fromkeys(REGRESSION_METRICS)
    return {
        "r2": _quietly(skm.r2_score, y, predicted) if y.size >= 2 else None,
        "mae": _quietly(skm.mean_absolute_error, y, predicted),
        "rmse": _quietly(skm.root_mean_squared_error, y, predicted),
    }


def residual_points(
    y: np.ndarray, predicted: np.ndarray, max_points: int = 500, seed: int = 0
) -> dict[str, list[float | None]]:
    """A random sample (at most max_points) of actual, predicted and residual (actual - predicted)."""
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1)
    rows = np.arange(y.size)
    if y.size > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(y.size, max_points, replace=False))
    return json_safe(
        {"actual": y[rows], "predicted": predicted[rows], "residual": y[rows] - predicted[rows]}
    )
