"""Baselines on the network's split: majority class / logistic regression, training mean / ridge."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.data import baselines
from app.data.baselines import (
    compare_with_baselines,
    logistic_regression_baseline,
    majority_class_baseline,
    ridge_regression_baseline,
    training_mean_baseline,
    verdict,
)


def _linear_classes(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    return X, y


def _entry(name: str, **metrics: float | None) -> dict:
    return {"name": name, "title": baselines.TITLES[name], "metrics": metrics}


def test_majority_class_scores_the_majority_share() -> None:
    y_train = np.array([0, 1, 1, 1, 2, 1])
    y_test = np.array([1, 1, 0, 2, 1, 0, 1, 1])
    entry = majority_class_baseline(y_train, y_test, ["a", "b", "c"])
    assert entry["predicts"] == "b" and entry["train_rows"] == 6
    assert entry["metrics"]["accuracy"] == pytest.approx(5 / 8)
    assert entry["metrics"]["roc_auc"] == pytest.approx(0.5)  # the same scores for every row


def test_logistic_regression_learns_a_linear_signal() -> None:
    X, y = _linear_classes(600)
    entry = logistic_regression_baseline(X[:400], y[:400], X[400:], y[400:], n_classes=2)
    assert entry["metrics"]["accuracy"] > 0.95 and entry["metrics"]["roc_auc"] > 0.99
    assert entry["sampled"] is False and entry["train_rows"] == 400


def test_logistic_regression_caps_training_rows_and_hides_convergence_warnings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(baselines, "MAX_BASELINE_TRAIN_ROWS", 100)
    monkeypatch.setattr(baselines, "LOGISTIC_MAX_ITER", 1)  # cannot converge; must stay quiet
    X, y = _linear_classes(500)
    entry = logistic_regression_baseline(X[:300], y[:300], X[300:], y[300:], n_classes=2)
    assert entry["train_rows"] == 100 and entry["sampled"] is True


def test_logistic_regression_maps_classes_missing_from_training() -> None:
    X, y = _linear_classes(300)
    y_test = y[200:].copy()
    y_test[:5] = 2  # a class the training rows never show
    entry = logistic_regression_baseline(X[:200], y[:200], X[200:], y_test, n_classes=3)
    assert entry["metrics"]["accuracy"] is not None and entry["metrics"]["accuracy"] < 0.97


def test_regression_baselines_in_the_labels_units() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    y = 1000 + 50 * X[:, 0] - 20 * X[:, 2] + rng.normal(scale=5, size=400)
    mean = training_mean_baseline(y[:300], y[300:])
    assert mean["predicts"] == pytest.approx(y[:300].mean())
    assert mean["metrics"]["r2"] < 0.05 and mean["metrics"]["mae"] > 20
    ridge = ridge_regression_baseline(X[:300], y[:300], X[300:], y[300:])
    assert ridge["metrics"]["r2"] > 0.95 and ridge["metrics"]["mae"] < 10


def test_verdict_names_the_better_model_and_the_gap() -> None:
    models = [_entry("majority_class", accuracy=0.6), _entry("logistic_regression", accuracy=0.80)]
    assert verdict("binary", {"accuracy": 0.821}, models) == (
        "On accuracy, the network beats logistic regression by 2.1 points on the test split."
    )
    worse = verdict("binary", {"accuracy": 0.75}, models)
    assert worse.startswith("On accuracy, logistic regression beats the network by 5.0 points")
    tie = verdict("binary", {"accuracy": 0.803}, models)
    assert tie.startswith("On accuracy, logistic regression does as well as the network (within 0.5 points")
    regression = [_entry("training_mean", r2=0.0), _entry("ridge_regression", r2=0.41)]
    assert verdict("regression", {"r2": 0.47}, regression) == (
        "On R², the network beats ridge regression on the test split: 0.47 against 0.41."
    )
    assert "does as well" in verdict("regression", {"r2": 0.415}, regression)
    assert verdict("regression", {"r2": None}, regression).startswith("No comparison")


def test_compare_is_json_safe_and_picks_the_best() -> None:
    X, y = _linear_classes(300)
    network = {"accuracy": 0.9, "balanced_accuracy": 0.9, "roc_auc": None, "log_loss": float("nan")}
    result = compare_with_baselines("binary", X[:200], y[:200], X[200:], y[200:], network, ["no", "yes"])
    json.dumps(result, allow_nan=False)
    assert [m["name"] for m in result["models"]] == ["majority_class", "logistic_regression"]
    assert result["best"] == "logistic_regression" and result["headline"] == "accuracy"
    assert result["network"]["log_loss"] is None
    assert "logistic regression" in result["verdict"].lower()
    one_class = compare_with_baselines("binary", X[:50], np.zeros(50), X[200:], y[200:], network, ["no", "yes"])
    assert one_class["models"][1]["metrics"]["accuracy"] is None and one_class["best"] == "majority_class"
