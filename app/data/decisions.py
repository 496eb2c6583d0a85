"""The decision threshold of a binary classifier: predict the positive class (the
second one) when its probability is at least the threshold.

The threshold is chosen on the validation rows among THRESHOLD_GRID (0.01 … 0.99,
the results page's slider steps), maximising balanced accuracy by default, so that a
rare class is not ignored because 0.5 suits the common one. Ties go to the threshold
nearest 0.5. Counts per threshold let the page redraw the confusion matrix as the
slider moves without holding every row.

Shapes: `y` is class indices (n,) of 0 / 1; `positive` the probability of class 1 (n,).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(1, 100) / 100, 2)
THRESHOLD_METRIC = "balanced_accuracy"


def predicted_at(probabilities: np.ndarray, threshold: float | None) -> np.ndarray:
    """Class index per row (n,): binary with a threshold compares class 1's probability,
    anything else takes the most probable class."""
    probabilities = np.asarray(probabilities)
    if threshold is not None and probabilities.ndim == 2 and probabilities.shape[1] == 2:
        return (probabilities[:, 1] >= threshold).astype(np.int64)
    return probabilities.argmax(axis=1)


def threshold_counts(y: np.ndarray, positive: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> dict[str, Any]:
    """{"positives", "negatives", "tp" (per threshold), "fp" (per threshold)}: rows predicted
    positive at each threshold of the grid, among the actual positives and negatives."""
    y = np.asarray(y).reshape(-1).astype(bool)
    positive = np.asarray(positive, dtype=np.float64).reshape(-1)
    on_positives, on_negatives = np.sort(positive[y]), np.sort(positive[~y])
    # Rows with probability >= t: everything at or after the first position of t.
    tp = on_positives.size - np.searchsorted(on_positives, grid, side="left")
    fp = on_negatives.size - np.searchsorted(on_negatives, grid, side="left")
    return {"positives": int(y.sum()), "negatives": int((~y).sum()), "tp": tp.tolist(), "fp": fp.tolist()}


def _balanced_accuracy(tp: np.ndarray, fp: np.ndarray, positives: int, negatives: int) -> np.ndarray:
    return 0.5 * (tp / positives + (negatives - fp) / negatives)


THRESHOLD_METRICS: dict[str, Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]] = {
    "balanced_accuracy": _balanced_accuracy,
}


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    metric: str
    score: float | None  # the metric on the validation rows at that threshold
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "metric": self.metric, "score": self.score, "reason": self.reason}


def choose_threshold(y: np.ndarray, positive: np.ndarray, metric: str = THRESHOLD_METRIC) -> ThresholdChoice:
    """The grid threshold that maximises `metric` on these (validation) rows."""
    counts = threshold_counts(y, positive)
    positives, negatives = counts["positives"], counts["negatives"]
    if positives == 0 or negatives == 0:
        return ThresholdChoice(DEFAULT_THRESHOLD, metric, None,
                               "The validation rows hold one class only, so the threshold stays at 0.5.")
    scores = THRESHOLD_METRICS[metric](np.array(counts["tp"]), np.array(counts["fp"]), positives, negatives)
    best = np.flatnonzero(np.isclose(scores, scores.max(), rtol=0, atol=1e-12))
    index = int(best[np.argmin(np.abs(THRESHOLD_GRID[best] - DEFAULT_THRESHOLD))])
    threshold = float(THRESHOLD_GRID[index])
    name = metric.replace("_", " ")
    return ThresholdChoice(threshold, metric, float(scores[index]),
                           f"Chosen on the validation rows: the best {name} ({scores[index]:.3f}).")
