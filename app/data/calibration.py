"""Whether predicted probabilities mean what they say: a reliability diagram and the
Brier score.

Binary: bins of the positive class's probability, against the share of rows that were
positive. Multiclass: bins of the predicted class's probability (its confidence),
against the share of rows predicted right. Empty bins are left out. JSON-safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.data.metrics import json_safe

CALIBRATION_BINS = 10


def brier_score(y: np.ndarray, probabilities: np.ndarray) -> float | None:
    """Mean squared distance between the probabilities and the one-hot truth; binary
    counts the positive class only (the usual binary Brier score). None with no rows."""
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if y.size == 0:
        return None
    truth = np.eye(probabilities.shape[1])[y]
    if probabilities.shape[1] == 2:
        return float(np.mean((probabilities[:, 1] - truth[:, 1]) ** 2))
    return float(np.mean(np.sum((probabilities - truth) ** 2, axis=1)))


def reliability(
    y: np.ndarray, probabilities: np.ndarray, class_names: Sequence[Any], bins: int = CALIBRATION_BINS
) -> dict[str, Any]:
    """{"value", "brier", "bins": [{"low", "high", "rows", "mean_predicted", "observed"}]}."""
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if len(class_names) == 2:
        predicted, hit = probabilities[:, 1] if y.size else np.zeros(0), y == 1
        value = f"probability of {class_names[1]}"
    else:
        predicted = probabilities.max(axis=1) if y.size else np.zeros(0)
        hit = (probabilities.argmax(axis=1) == y) if y.size else np.zeros(0, dtype=bool)
        value = "probability of the predicted class"
    edges = np.linspace(0.0, 1.0, bins + 1).round(10)
    which = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, bins - 1)
    entries = []
    for i in range(bins):
        rows = which == i
        if rows.any():
            entries.append({"low": edges[i], "high": edges[i + 1], "rows": int(rows.sum()),
                            "mean_predicted": float(predicted[rows].mean()), "observed": float(hit[rows].mean())})
    return json_safe({"value": value, "brier": brier_score(y, probabilities), "bins": entries})
