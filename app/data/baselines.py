"""Simple models on the network's own split, so a person can tell whether it earned its keep.

Classification: the majority class (always the most frequent training class, with the
training class shares as probabilities) and scikit-learn's LogisticRegression.
Regression: the training mean and Ridge regression, scored in the label's units.
Both fit on the same encoded training rows as the network and are scored on the test
split with the network's metric names. To stay cheap after every run, the fitted
model sees at most MAX_BASELINE_TRAIN_ROWS training rows (a seeded sample).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge

from app.data.judging import (
    HEADLINE,
    IN_POINTS,
    better,
    class_shares,
    is_imbalanced,
    judging_metric,
    shares_phrase,
)
from app.data.judging import TITLES as METRIC_TITLES
from app.data.metrics import classification_scores, json_safe, regression_scores

MAX_BASELINE_TRAIN_ROWS = 20_000
LOGISTIC_MAX_ITER = 1_000
# Differences smaller than these are a draw: 0.5 points of accuracy, 0.01 of R².
TIE_ACCURACY = 0.005
TIE_R2 = 0.01

TITLES = {
    "majority_class": "the majority class",
    "logistic_regression": "logistic regression",
    "weighted_logistic_regression": "weighted logistic regression",
    "training_mean": "the training mean",
    "ridge_regression": "ridge regression",
}


def _training_sample(n_rows: int, seed: int) -> np.ndarray:
    """Positions of at most MAX_BASELINE_TRAIN_ROWS training rows, seeded and sorted."""
    if n_rows <= MAX_BASELINE_TRAIN_ROWS:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, MAX_BASELINE_TRAIN_ROWS, replace=False))


def _zero_non_finite(X: np.ndarray) -> np.ndarray:
    return np.nan_to_num(np.asarray(X, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)


def _entry(name: str, metrics: Mapping[str, Any], train_rows: int, **extra: Any) -> dict[str, Any]:
    return json_safe({"name": name, "title": TITLES[name], "metrics": dict(metrics),
                      "train_rows": train_rows, **extra})


def majority_class_baseline(
    y_train: np.ndarray, y_test: np.ndarray, class_names: Sequence[Any]
) -> dict[str, Any]:
    """Always the most frequent training class; its probabilities are the training shares."""
    counts = np.bincount(np.asarray(y_train, dtype=np.int64), minlength=len(class_names))
    shares = counts / max(counts.sum(), 1)
    probabilities = np.tile(shares, (len(y_test), 1))
    majority = int(counts.argmax())
    return _entry(
        "majority_class", classification_scores(y_test, probabilities), int(counts.sum()),
        predicts=class_names[majority],
    )


def logistic_regression_baseline(
    X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
    n_classes: int, seed: int = 0, weighted: bool = False,
) -> dict[str, Any]:
    """Multinomial logistic regression; its metrics are None when training has one class.

    weighted: loss weights inverse to class frequency, the fair rival on imbalanced classes.
    """
    rows = _training_sample(len(X_train), seed)
    X, y = _zero_non_finite(X_train)[rows], np.asarray(y_train, dtype=np.int64)[rows]
    name = "weighted_logistic_regression" if weighted else "logistic_regression"
    if np.unique(y).size < 2 or len(y_test) == 0:
        return _entry(name, classification_scores(y_test[:0], np.zeros((0, n_classes))),
                      int(rows.size), sampled=bool(rows.size < len(X_train)))
    model = LogisticRegression(max_iter=LOGISTIC_MAX_ITER, class_weight="balanced" if weighted else None)
    with warnings.catch_warnings():
        # Not converging in LOGISTIC_MAX_ITER steps still leaves a fair baseline.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    probabilities = np.zeros((len(y_test), n_classes))
    probabilities[:, model.classes_] = model.predict_proba(_zero_non_finite(X_test))  # classes missing in train: 0
    return _entry(name, classification_scores(y_test, probabilities), int(rows.size),
                  sampled=bool(rows.size < len(X_train)))


def training_mean_baseline(y_train: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    """Always the mean of the training labels (in the label's units)."""
    y_train = np.asarray(y_train, dtype=np.float64).reshape(-1)
    mean = float(y_train.mean()) if y_train.size else 0.0
    predicted = np.full(np.asarray(y_test).size, mean)
    return _entry("training_mean", regression_scores(y_test, predicted), int(y_train.size), predicts=mean)


def ridge_regression_baseline(
    X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, seed: int = 0
) -> dict[str, Any]:
    """Ridge regression (alpha 1) on the encoded features, labels in their own units."""
    rows = _training_sample(len(X_train), seed)
    y = np.asarray(y_train, dtype=np.float64).reshape(-1)[rows]
    model = Ridge(alpha=1.0).fit(_zero_non_finite(X_train)[rows], y)
    predicted = model.predict(_zero_non_finite(X_test)) if len(X_test) else np.zeros(0)
    return _entry("ridge_regression", regression_scores(y_test, predicted), int(rows.size),
                  sampled=bool(rows.size < len(X_train)))


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def verdict(
    task: str,
    network_metrics: Mapping[str, float | None],
    models: Sequence[Mapping[str, Any]],
    metric: str | None = None,
    shares: Sequence[float] = (),
) -> str:
    """One sentence comparing the network with the best baseline on `metric` (the task's
    headline if None), which it names; imbalanced classes are named with their shares."""
    metric = metric or HEADLINE[task]
    name = METRIC_TITLES[metric]
    context = f" ({shares_phrase(shares)})" if metric == "balanced_accuracy" and is_imbalanced(shares) else ""
    opening = f"On {name}{context}, "
    network = network_metrics.get(metric)
    scored = [m for m in models if m["metrics"].get(metric) is not None]
    if network is None or not scored:
        return f"No comparison with a simpler model: the {name} on the test split is undefined."
    best = max(scored, key=lambda m: better(metric, float(m["metrics"][metric]), 0.0))
    theirs, title = float(best["metrics"][metric]), best["title"]
    gap = better(metric, float(network), theirs)
    if metric in IN_POINTS:
        tie, amount = TIE_ACCURACY, f" by {abs(gap) * 100:.1f} points on the test split"
        scores = ""
    else:
        tie, amount = TIE_R2 if metric == "r2" else 0.0, " on the test split"
        scores = f": {network:.3g} against {theirs:.3g}"
    if abs(gap) < tie or gap == 0:
        within = "within 0.5 points" if metric in IN_POINTS else f"{network:.3g} against {theirs:.3g}"
        return f"{opening}{title} does as well as the network ({within} on the test split): a simpler model would do."
    if gap > 0:
        return f"{opening}the network beats {title}{amount}{scores}."
    return f"{opening}{title} beats the network{amount}{scores}: a simpler model would do better."


def compare_with_baselines(
    task: str,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    network_test_metrics: Mapping[str, float | None],
    class_names: Sequence[Any] = (),
    seed: int = 0,
    chosen_metric: str | None = None,
) -> dict[str, Any]:
    """Both baselines for the task, the best one's name and the verdict. JSON-safe.

    y: class indices (n,) for classification, values (n,) in the label's units for regression.
    The verdict ranks on judging.judging_metric: balanced accuracy when the training
    classes are imbalanced (and then the logistic regression is class-weighted), else
    chosen_metric when it is a metric of the task, else the headline.
    """
    shares: list[float] = []
    if task == "regression":
        models = [training_mean_baseline(y_train, y_test),
                  ridge_regression_baseline(X_train, y_train, X_test, y_test, seed)]
    else:
        y_train = np.asarray(y_train, dtype=np.int64).reshape(-1)
        y_test = np.asarray(y_test, dtype=np.int64).reshape(-1)
        shares = class_shares(y_train, len(class_names))
        models = [majority_class_baseline(y_train, y_test, class_names),
                  logistic_regression_baseline(X_train, y_train, X_test, y_test, len(class_names), seed,
                                               weighted=is_imbalanced(shares))]
    metric = judging_metric(task, shares, chosen_metric)
    scored = [m for m in models if m["metrics"].get(metric) is not None]
    best = max(scored, key=lambda m: better(metric, m["metrics"][metric], 0.0))["name"] if scored else None
    return json_safe({
        "split": "test",
        "headline": HEADLINE[task],
        "metric": metric,
        "class_shares": shares,
        "network": dict(network_test_metrics),
        "models": models,
        "best": best,
        "verdict": verdict(task, network_test_metrics, models, metric, shares),
        "max_train_rows": MAX_BASELINE_TRAIN_ROWS,
    })
