"""Metrics equal scikit-learn's and are JSON-safe (None, never NaN)."""

from __future__ import annotations

import json

import numpy as np
from sklearn import metrics as skm

from app.data.metrics import (
    classification_scores,
    confusion,
    json_safe,
    per_class_scores,
    pr_curves,
    regression_scores,
    residual_points,
    roc_curves,
)

RNG = np.random.default_rng(0)


def _strict_json(value: object) -> object:
    return json.loads(json.dumps(value, allow_nan=False))


def _multiclass(n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    y = RNG.integers(0, 3, n)
    logits = RNG.normal(size=(n, 3)) + 2 * np.eye(3)[y]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, probabilities.astype(np.float32)


def test_multiclass_scores_equal_scikit_learn() -> None:
    y, p = _multiclass()
    scores = classification_scores(y, p)
    predicted = p.argmax(axis=1)
    assert scores["accuracy"] == skm.accuracy_score(y, predicted)
    assert scores["balanced_accuracy"] == skm.balanced_accuracy_score(y, predicted)
    assert scores["f1_macro"] == skm.f1_score(y, predicted, average="macro")
    assert abs(scores["roc_auc"] - skm.roc_auc_score(y, p / p.sum(1, keepdims=True), multi_class="ovr")) < 1e-6  # type: ignore[operator]
    assert abs(scores["log_loss"] - skm.log_loss(y, p / p.sum(1, keepdims=True))) < 1e-6  # type: ignore[operator]
    matrix = confusion(y, p)
    assert matrix == skm.confusion_matrix(y, predicted).tolist()
    per_class = per_class_scores(y, p, ["a", "b", "c"])
    assert [row["class"] for row in per_class] == ["a", "b", "c"]
    assert sum(row["support"] for row in per_class) == 300
    _strict_json([scores, matrix, per_class])


def test_binary_curves_are_downsampled_and_json_safe() -> None:
    y = RNG.integers(0, 2, 2000)
    positive = np.clip(0.3 * y + RNG.uniform(0, 0.7, 2000), 0, 1)
    p = np.column_stack([1 - positive, positive])
    no, roc = roc_curves(y, p, ["no", "yes"])  # one curve per class: the page switches between them
    assert no["class"] == "no" and abs(no["auc"] - roc["auc"]) < 1e-9  # the same ranking, seen from the other class
    assert roc["class"] == "yes" and len(roc["fpr"]) <= 101
    assert roc["fpr"][0] == 0 and roc["tpr"][-1] == 1
    assert abs(roc["auc"] - skm.roc_auc_score(y, positive)) < 0.01
    _, pr = pr_curves(y, p, ["no", "yes"])
    assert len(pr["recall"]) <= 101
    assert abs(classification_scores(y, p)["roc_auc"] - skm.roc_auc_score(y, positive)) < 1e-12  # type: ignore[operator]
    _strict_json([roc, pr])


def test_undefined_metrics_are_none() -> None:
    y = np.zeros(5, dtype=int)
    p = np.tile([0.8, 0.2], (5, 1))
    scores = classification_scores(y, p)
    assert scores["roc_auc"] is None and scores["accuracy"] == 1.0
    assert roc_curves(y, p, ["no", "yes"]) == []
    _strict_json(scores)
    assert regression_scores(np.array([1.0]), np.array([2.0]))["r2"] is None
    assert json_safe({"x": float("nan"), "y": [np.float32(1.5), np.inf]}) == {"x": None, "y": [1.5, None]}


def test_regression_scores_and_residuals() -> None:
    y = RNG.normal(size=800)
    predicted = y + RNG.normal(scale=0.3, size=800)
    scores = regression_scores(y, predicted)
    assert scores["r2"] == skm.r2_score(y, predicted)
    assert scores["mae"] == skm.mean_absolute_error(y, predicted)
    assert abs(scores["rmse"] - np.sqrt(skm.mean_squared_error(y, predicted))) < 1e-12  # type: ignore[operator]
    points = residual_points(y, predicted, max_points=200)
    assert len(points["actual"]) == 200
    assert abs(points["residual"][0] - (points["actual"][0] - points["predicted"][0])) < 1e-12  # type: ignore[operator]
    _strict_json([scores, points])


def test_permutation_importance_ranks_the_feature_that_matters() -> None:
    from app.data.importance import permutation_importance

    X = RNG.normal(size=(3000, 4)).astype(np.float32)  # "signal" in column 0, "noise" in 1..3
    y = (X[:, 0] > 0).astype(int)

    def accuracy(rows_X: np.ndarray, rows: np.ndarray) -> float:
        return float(np.mean((rows_X[:, 0] > 0) == y[rows]))

    found = permutation_importance(
        X, {"noise": slice(1, 4), "signal": slice(0, 1)}, accuracy, n_repeats=3, max_rows=1000
    )
    assert [row["feature"] for row in found] == ["signal", "noise"]
    assert 0.4 < found[0]["importance"] < 0.6 and found[1]["importance"] == 0.0
    _strict_json(found)


def test_permutation_importance_reads_rounding_noise_as_zero() -> None:
    from app.data.importance import permutation_importance

    X = RNG.normal(size=(50, 2)).astype(np.float32)
    scores = iter([0.3] + [0.1 + 0.2] * 3)  # 0.1 + 0.2 is 0.30000000000000004: the same score

    found = permutation_importance(X, {"a": slice(0, 2)}, lambda rows_X, rows: next(scores), n_repeats=3)
    assert found[0]["importance"] == 0.0 and found[0]["std"] == 0.0  # not -5.6e-17 ("-0.0000000000000000555")


def test_curves_default_to_the_minority_class_of_the_training_rows() -> None:
    from app.data.evaluation import classification_evaluation

    y = np.array([0] * 90 + [1] * 10)
    p = np.column_stack([np.linspace(0.9, 0.1, 100), np.linspace(0.1, 0.9, 100)])
    _, details = classification_evaluation(y, p, ["good", "bad"], minority_class="bad")
    assert details["curve_class"] == "bad"
    assert [curve["class"] for curve in details["roc"]] == ["good", "bad"]
    scores, details = classification_evaluation(1 - y, p[:, ::-1], ["bad", "good"], minority_class="bad")
    assert details["curve_class"] == "bad" and scores["brier"] is not None
