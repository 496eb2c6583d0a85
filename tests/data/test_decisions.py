"""The binary decision threshold: chosen on validation rows, counted per threshold."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from app.data.decisions import THRESHOLD_GRID, choose_threshold, predicted_at, threshold_counts
from app.data.metrics import classification_scores, confusion


def _imbalanced(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """5 % positives whose probabilities sit low but above the negatives'."""
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=n) < 0.05).astype(np.int64)
    positive = np.clip(0.05 + 0.25 * y + rng.normal(0, 0.06, n), 0.001, 0.999)
    return y, positive


def test_threshold_maximises_balanced_accuracy_on_the_grid() -> None:
    y, p = _imbalanced()
    choice = choose_threshold(y, p)
    assert choice.metric == "balanced_accuracy"
    best = max(skm.balanced_accuracy_score(y, p >= t) for t in THRESHOLD_GRID)
    assert choice.score == pytest.approx(best)
    assert 0.1 < choice.threshold < 0.3  # far below 0.5, where every row would be negative
    assert skm.balanced_accuracy_score(y, p >= 0.5) < 0.6 < choice.score


def test_a_tie_keeps_the_threshold_nearest_one_half() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.8, 0.9])  # every threshold in (0.2, 0.8] separates them
    assert choose_threshold(y, p).threshold == 0.5


def test_one_class_in_validation_keeps_one_half_and_says_why() -> None:
    choice = choose_threshold(np.zeros(10, dtype=np.int64), np.linspace(0.1, 0.9, 10))
    assert choice.threshold == 0.5 and choice.score is None
    assert "one class" in choice.reason


def test_counts_per_threshold_match_the_confusion_matrix() -> None:
    y, p = _imbalanced(500, seed=1)
    counts = threshold_counts(y, p)
    assert counts["positives"] == int(y.sum()) and counts["negatives"] == int((1 - y).sum())
    for index in (0, 14, 49, 98):
        t = THRESHOLD_GRID[index]
        tn, fp, fn, tp = skm.confusion_matrix(y, p >= t, labels=[0, 1]).ravel()
        assert (counts["tp"][index], counts["fp"][index]) == (tp, fp)
    probabilities = np.column_stack([1 - p, p])
    assert confusion(y, probabilities, threshold=0.2) == skm.confusion_matrix(y, p >= 0.2).tolist()
    scores = classification_scores(y, probabilities, threshold=0.2)
    assert scores["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, p >= 0.2))
    assert list(predicted_at(probabilities, 0.2)) == list((p >= 0.2).astype(int))
    assert list(predicted_at(probabilities, None)) == list(probabilities.argmax(axis=1))
