"""Warnings that name what happened on the held-out rows, in the shape of diagnostics.py:
{"kind", "message"}.

- split_disagreement: validation and test scores differ by more than
  DISAGREEMENT_SIGMAS standard errors of the difference. The standard error is
  bootstrapped from the validation rows, at the validation size and at the test size
  (what the test score would wander by if test rows were like validation rows); for
  scores in points it is at least the largest a proportion can have, 0.5 / sqrt(n), so
  that a perfect validation split does not make every test miss a "surprise".
- dominant_rows (regression): at most DOMINANT_MAX_ROWS rows make half or more of the
  test squared error (with at least DOMINANT_MIN_TEST_ROWS test rows).
- outlier_prediction (regression): a validation or test prediction further outside the
  training labels' range than OUTLIER_SPAN times that range.
Rows are numbered from 1, as in the predictions CSV.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn import metrics as skm

from app.data.decisions import predicted_at
from app.data.judging import IN_POINTS, TITLES
from app.data.metrics import classification_scores, regression_scores

BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_MAX_ROWS = 5_000
DISAGREEMENT_SIGMAS = 3.0
DISAGREEMENT_MIN_GAP = 0.02
DOMINANT_SHARE = 0.5
DOMINANT_MAX_ROWS = 3
DOMINANT_MIN_TEST_ROWS = 20
OUTLIER_SPAN = 0.5

Warning = dict[str, str]
# One split as the checks read it: actual (values or class indices), predicted values
# (regression) or None, probabilities (classification) or None.
SplitData = tuple[np.ndarray, np.ndarray | None, np.ndarray | None]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _vectorised(metric: str, actual: np.ndarray, predicted: np.ndarray) -> np.ndarray | None:
    """The metric of each row of (resamples, rows) arrays, for the metrics that allow it."""
    if metric == "r2":
        spread = ((actual - actual.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1 - ((actual - predicted) ** 2).sum(axis=1) / spread
    if metric == "mae":
        return np.abs(actual - predicted).mean(axis=1)
    if metric == "rmse":
        return np.sqrt(((actual - predicted) ** 2).mean(axis=1))
    if metric == "accuracy":
        return (actual == predicted).mean(axis=1)
    if metric == "balanced_accuracy":
        classes = np.unique(actual)
        with np.errstate(divide="ignore", invalid="ignore"):
            recalls = [((actual == c) & (predicted == c)).sum(axis=1) / (actual == c).sum(axis=1) for c in classes]
        return np.nanmean(np.array(recalls), axis=0)
    return None


def metric_value(metric: str, split: SplitData, threshold: float | None = None) -> float | None:
    actual, predicted, probabilities = split
    if probabilities is None:
        return regression_scores(actual, predicted)[metric]  # type: ignore[arg-type]
    classes = predicted_at(probabilities, threshold)
    if metric == "accuracy":
        return float(np.mean(classes == actual)) if actual.size else None
    if metric == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(actual, classes)) if actual.size else None
    return classification_scores(actual, probabilities, threshold)[metric]


def _bootstrap_error(metric: str, split: SplitData, size: int, threshold: float | None, seed: int) -> float:
    """Standard deviation of the metric over resamples of `size` rows drawn from `split`."""
    actual, predicted, probabilities = split
    n = actual.size
    drawn = min(size, BOOTSTRAP_MAX_ROWS)
    rows = np.random.default_rng(seed).integers(0, n, (BOOTSTRAP_RESAMPLES, drawn))
    if probabilities is not None:
        predicted = predicted_at(probabilities, threshold)
    values = _vectorised(
        metric, np.asarray(actual, dtype=np.float64)[rows], np.asarray(predicted, dtype=np.float64)[rows]
    )
    if values is None:  # F1, ROC AUC, log loss: one resample at a time
        values = np.array([metric_value(metric, (actual[r], None, probabilities[r]), threshold)  # type: ignore[index]
                           for r in rows], dtype=np.float64)
    values = values[np.isfinite(values)]
    spread = float(np.std(values)) if values.size > 1 else 0.0
    return spread * np.sqrt(drawn / size)  # a smaller resample spreads more: scale back


def split_disagreement_warning(
    task: str, metric: str, validation: SplitData, test: SplitData, threshold: float | None = None, seed: int = 0
) -> Warning | None:
    n_val, n_test = validation[0].size, test[0].size
    if n_val < 2 or n_test < 2:
        return None
    ours, theirs = metric_value(metric, validation, threshold), metric_value(metric, test, threshold)
    if ours is None or theirs is None:
        return None
    errors = [_bootstrap_error(metric, validation, n, threshold, seed) for n in (n_val, n_test)]
    if metric in IN_POINTS:
        errors = [max(error, 0.5 / np.sqrt(n)) for error, n in zip(errors, (n_val, n_test), strict=True)]
    expected = float(np.hypot(*errors))
    gap = abs(ours - theirs)
    if gap < DISAGREEMENT_MIN_GAP or gap <= DISAGREEMENT_SIGMAS * expected:
        return None
    name = TITLES[metric]
    return {"kind": "split_disagreement", "message": (
        f"Validation {name} {ours:.3g} but test {theirs:.3g}: a gap of {gap:.2g}, where the split sizes "
        f"({n_val:,} and {n_test:,} rows) explain about ±{expected:.2g}. A few unusual test rows, or rows "
        "unlike the training ones, can do this: look at the largest errors.")}


def dominant_rows_warning(
    task: str, rows: np.ndarray, actual: np.ndarray, predicted: np.ndarray | None, probabilities: np.ndarray | None
) -> Warning | None:
    """rows: the test rows' numbers (1-based); regression only (see the module doc)."""
    if task != "regression" or predicted is None or actual.size < DOMINANT_MIN_TEST_ROWS:
        return None
    squared = (np.asarray(actual, dtype=np.float64) - np.asarray(predicted, dtype=np.float64)) ** 2
    total = float(np.nansum(squared))
    if not np.isfinite(total) or total <= 0:
        return None
    order = np.argsort(-np.nan_to_num(squared, nan=0.0), kind="stable")
    shares = np.cumsum(squared[order]) / total
    count = int(np.searchsorted(shares, DOMINANT_SHARE) + 1)
    if count > DOMINANT_MAX_ROWS:
        return None
    named = ", ".join(
        f"row {int(rows[i]):,} (actual {_number(float(actual[i]))}, predicted {_number(float(predicted[i]))})"
        for i in order[:count]
    )
    subject = "1 row makes" if count == 1 else f"{count} rows make"
    return {"kind": "dominant_rows", "message": (
        f"{subject} {shares[count - 1]:.0%} of the test squared error: {named}. The test scores say more "
        "about that row than about the model; check it in the largest errors.")}


def outlier_prediction_warning(
    train_range: tuple[float, float], splits: Mapping[str, tuple[np.ndarray, np.ndarray]]
) -> Warning | None:
    """splits: name -> (row numbers (1-based), predicted values), regression only."""
    low, high = train_range
    span = high - low
    if not np.isfinite(span) or span <= 0:
        return None
    worst: tuple[float, str, int, float] | None = None
    count = 0
    for name, (rows, predicted) in splits.items():
        predicted = np.asarray(predicted, dtype=np.float64)
        beyond = np.maximum(low - predicted, predicted - high)
        far = np.flatnonzero(beyond > OUTLIER_SPAN * span)
        count += far.size
        for i in far:
            if worst is None or beyond[i] > worst[0]:
                worst = (float(beyond[i]), name, int(rows[i]), float(predicted[i]))
    if worst is None:
        return None
    _, name, row, value = worst
    more = f"; {count - 1:,} more row{'s are' if count > 2 else ' is'} too" if count > 1 else ""
    return {"kind": "outlier_prediction", "message": (
        f"Row {row:,} ({name}) is predicted at {_number(value)}, far outside the training labels' range "
        f"({_number(low)} to {_number(high)}){more}. The network extrapolates there: check that row's inputs.")}
