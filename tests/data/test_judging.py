"""Which metric judges a run, and the baseline verdict that names it."""

from __future__ import annotations

import numpy as np

from app.data.baselines import compare_with_baselines
from app.data.judging import class_shares, judging_metric


def test_imbalanced_classes_are_judged_on_balanced_accuracy() -> None:
    shares = class_shares(np.array([0] * 95 + [1] * 5), 2)
    assert shares == [0.95, 0.05]
    assert judging_metric("binary", shares) == "balanced_accuracy"
    assert judging_metric("binary", shares, chosen="f1_macro") == "balanced_accuracy"
    assert judging_metric("binary", [0.6, 0.4]) == "accuracy"
    assert judging_metric("binary", [0.6, 0.4], chosen="f1_macro") == "f1_macro"
    assert judging_metric("binary", [0.6, 0.4], chosen="loss") == "accuracy"
    assert judging_metric("regression", []) == "r2"
    assert judging_metric("regression", [], chosen="mae") == "mae"


def test_the_verdict_on_imbalanced_classes_names_balanced_accuracy_and_the_shares() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = ((X[:, 0] > 1.6) | (rng.uniform(size=2000) < 0.01)).astype(np.int64)  # about 6 % positives
    network = {"accuracy": 0.95, "balanced_accuracy": 0.55}
    result = compare_with_baselines("binary", X[:1500], y[:1500], X[1500:], y[1500:], network, ["no", "yes"])
    assert result["metric"] == "balanced_accuracy"
    logistic = result["models"][1]
    assert logistic["title"] == "weighted logistic regression"
    assert logistic["metrics"]["balanced_accuracy"] > 0.8
    assert result["verdict"].startswith("On balanced accuracy (the classes are ")
    assert "%" in result["verdict"] and "weighted logistic regression beats the network" in result["verdict"]


def test_the_verdict_on_balanced_classes_names_the_chosen_metric() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 3))
    y = (X[:, 0] > 0).astype(np.int64)
    network = {"accuracy": 0.99, "balanced_accuracy": 0.99, "f1_macro": 0.99}
    result = compare_with_baselines("binary", X[:400], y[:400], X[400:], y[400:], network, ["a", "b"],
                                    chosen_metric="f1_macro")
    assert result["metric"] == "f1_macro"
    assert result["verdict"].startswith("On F1 (macro), ")
    assert result["models"][1]["title"] == "logistic regression"
    lower = compare_with_baselines("regression", X[:400], X[:400, 0] * 3, X[400:], X[400:, 0] * 3,
                                   {"r2": 0.5, "mae": 9.0, "rmse": 10.0}, chosen_metric="mae")
    assert lower["metric"] == "mae" and "beats the network" in lower["verdict"]  # lower MAE is better
