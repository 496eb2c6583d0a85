"""Plot data for the results page, beyond the curves and residual points of evaluation.py.

Classification: a histogram of predicted probabilities (binary: of the positive class,
one series per actual class; multiclass: of the predicted class, correct against wrong).
Regression: a histogram of the residuals (actual - predicted) and the error by range
of the label (per quintile of the actual value). Predicted-against-actual points are
not repeated here: evaluation.py's details[split]["residuals"] already holds a seeded
sample of them. Everything returned is JSON-safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.data.calibration import reliability
from app.data.metrics import json_safe

PROBABILITY_BINS = 20
RESIDUAL_BINS = 20
LABEL_RANGES = 5  # quintiles of the actual value
# The residual histogram spans the 1st..99th percentile so that a few outliers
# do not squeeze every other row into one bar; the end bars hold the tails.
RESIDUAL_TAIL_PERCENT = 1.0


def _histogram(values: np.ndarray, edges: np.ndarray) -> list[int]:
    clipped = np.clip(values, edges[0], edges[-1])
    return np.histogram(clipped, bins=edges)[0].astype(int).tolist()


def probability_histogram(
    y: np.ndarray, probabilities: np.ndarray, class_names: Sequence[Any], bins: int = PROBABILITY_BINS
) -> dict[str, Any]:
    """{"value", "bin_edges" (bins + 1, 0..1), "series": [{"name", "counts" (bins)}]}.

    y: class indices (n,); probabilities: (n, n_classes).
    """
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1).round(10)  # 0.15, not 0.15000000000000002
    if len(class_names) == 2:
        positive = probabilities[:, 1] if len(y) else np.zeros(0)
        series = [{"name": str(name), "counts": _histogram(positive[y == i], edges)}
                  for i, name in enumerate(class_names)]
        value = f"probability of {class_names[1]}"
    else:
        predicted = probabilities.argmax(axis=1) if len(y) else np.zeros(0, dtype=np.int64)
        confidence = probabilities.max(axis=1) if len(y) else np.zeros(0)
        correct = predicted == y
        series = [{"name": "correct", "counts": _histogram(confidence[correct], edges)},
                  {"name": "wrong", "counts": _histogram(confidence[~correct], edges)}]
        value = "probability of the predicted class"
    return json_safe({"value": value, "bin_edges": edges, "series": series})


def residual_histogram(actual: np.ndarray, predicted: np.ndarray, bins: int = RESIDUAL_BINS) -> dict[str, Any]:
    """{"bin_edges" (bins + 1), "counts" (bins)} of actual - predicted, in the label's units."""
    residual = np.asarray(actual, dtype=np.float64).reshape(-1) - np.asarray(predicted, dtype=np.float64).reshape(-1)
    residual = residual[np.isfinite(residual)]
    if residual.size == 0:
        return {"bin_edges": [], "counts": []}
    low, high = np.percentile(residual, [RESIDUAL_TAIL_PERCENT, 100 - RESIDUAL_TAIL_PERCENT])
    if high <= low:  # every residual (nearly) equal: one bar around it
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    return json_safe({"bin_edges": edges, "counts": _histogram(residual, edges)})


def error_by_range(actual: np.ndarray, predicted: np.ndarray, n_ranges: int = LABEL_RANGES) -> list[dict[str, Any]]:
    """Per range of the actual value (quintiles; fewer when values repeat):
    {"low", "high", "rows", "mae", "mean_residual"}; the last range includes its high end."""
    actual = np.asarray(actual, dtype=np.float64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1)
    keep = np.isfinite(actual) & np.isfinite(predicted)
    actual, predicted = actual[keep], predicted[keep]
    if actual.size == 0:
        return []
    edges = np.unique(np.quantile(actual, np.linspace(0, 1, n_ranges + 1)))
    if edges.size == 1:
        edges = np.array([edges[0], edges[0]])
    # Range index per row: right-open ranges, except that the maximum joins the last one.
    which = np.clip(np.searchsorted(edges, actual, side="right") - 1, 0, edges.size - 2)
    ranges = []
    for i in range(edges.size - 1):
        rows = which == i
        residual = actual[rows] - predicted[rows]
        ranges.append({
            "low": edges[i], "high": edges[i + 1], "rows": int(rows.sum()),
            "mae": float(np.abs(residual).mean()) if rows.any() else None,
            "mean_residual": float(residual.mean()) if rows.any() else None,
        })
    return json_safe(ranges)


def classification_plots(y: np.ndarray, probabilities: np.ndarray, class_names: Sequence[Any]) -> dict[str, Any]:
    return {"probability_histogram": probability_histogram(y, probabilities, class_names),
            "calibration": reliability(y, probabilities, class_names)}


def regression_plots(actual: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    return {"residual_histogram": residual_histogram(actual, predicted),
            "error_by_range": error_by_range(actual, predicted)}
