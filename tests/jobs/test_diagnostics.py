"""Warnings a person can act on, and the baseline / warnings / plots of a whole run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from app.engine import EpochReport
from app.jobs.diagnostics import (
    class_imbalance_warning,
    constant_prediction_warning,
    find_warnings,
    more_epochs_warning,
    overfitting_warning,
)
from app.jobs.pipeline import run_experiment
from app.specs import ExperimentSpec


def _history(val_losses: list[float]) -> list[EpochReport]:
    return [EpochReport(i + 1, 1.0, loss, 0.5, 0.5, 0.01) for i, loss in enumerate(val_losses)]


def _splits(train: float, validation: float, headline: str = "accuracy") -> dict:
    return {"train": {headline: train}, "validation": {headline: validation}, "test": {headline: validation}}


def test_overfitting_fires_on_a_large_gap_only() -> None:
    warning = overfitting_warning("binary", _splits(0.99, 0.80))
    assert warning is not None and warning["kind"] == "overfitting"
    assert "0.99" in warning["message"] and "dropout" in warning["message"]
    assert overfitting_warning("binary", _splits(0.90, 0.85)) is None
    assert overfitting_warning("regression", _splits(0.90, 0.60, "r2")) is not None
    assert overfitting_warning("regression", _splits(0.70, 0.60, "r2")) is None
    assert overfitting_warning("regression", _splits(0.70, None, "r2")) is None  # type: ignore[arg-type]


def test_constant_prediction_for_classes_and_values() -> None:
    actual = np.array([0, 1] * 100)
    warning = constant_prediction_warning("binary", actual, np.zeros(200), ["no", "yes"])
    assert warning is not None and '"no"' in warning["message"] and "100%" in warning["message"]
    varied = np.zeros(200)
    varied[:10] = 1
    assert constant_prediction_warning("binary", actual, varied, ["no", "yes"]) is None
    assert constant_prediction_warning("binary", np.zeros(50), np.zeros(50), ["no", "yes"]) is None
    values = np.linspace(0, 100, 200)
    assert constant_prediction_warning("regression", values, np.full(200, 50.0) + 1e-3 * values) is not None
    assert constant_prediction_warning("regression", values, values * 0.9 + 3) is None


def test_class_imbalance_hiding_behind_accuracy() -> None:
    near = class_imbalance_warning({"accuracy": 0.91, "balanced_accuracy": 0.52}, 0.90, "no")
    assert near is not None and "always predicting \"no\"" in near["message"]
    low_balanced = class_imbalance_warning({"accuracy": 0.96, "balanced_accuracy": 0.75}, 0.90, "no")
    assert low_balanced is not None and "balanced accuracy is only 0.75" in low_balanced["message"]
    assert class_imbalance_warning({"accuracy": 0.97, "balanced_accuracy": 0.92}, 0.90, "no") is None
    assert class_imbalance_warning({"accuracy": 0.52, "balanced_accuracy": 0.52}, 0.50, "no") is None


def test_more_epochs_when_the_validation_loss_is_still_falling_at_the_limit() -> None:
    falling = _history([1.0 / (1 + 0.1 * epoch) for epoch in range(50)])
    warning = more_epochs_warning(falling, "completed")
    assert warning is not None and "more epochs may help" in warning["message"]
    assert more_epochs_warning(falling, "early_stopping") is None
    settled = _history([1.0 / (1 + 0.1 * epoch) for epoch in range(40)] + [0.21] * 10)
    assert more_epochs_warning(settled, "completed") is None
    rising = _history([1.0 - 0.01 * epoch for epoch in range(40)] + [0.6 + 0.01 * e for e in range(10)])
    assert more_epochs_warning(rising, "completed") is None


def test_find_warnings_is_silent_on_a_healthy_run() -> None:
    metrics = {
        "train": {"accuracy": 0.95, "balanced_accuracy": 0.95},
        "validation": {"accuracy": 0.93, "balanced_accuracy": 0.93},
        "test": {"accuracy": 0.92, "balanced_accuracy": 0.92},
    }
    actual = np.array([0, 1, 2] * 30)
    predicted = actual.copy()
    predicted[:7] = (predicted[:7] + 1) % 3
    history = _history([1.0 / (1 + 0.1 * epoch) for epoch in range(30)] + [0.3] * 20)
    assert find_warnings("multiclass", metrics, actual, predicted, history, "early_stopping", ["a", "b", "c"]) == []


def test_find_warnings_on_a_network_that_always_says_no() -> None:
    metrics = {split: {"accuracy": 0.9, "balanced_accuracy": 0.5} for split in ("train", "validation", "test")}
    actual = np.array([0] * 90 + [1] * 10)
    kinds = [w["kind"] for w in find_warnings("binary", metrics, actual, np.zeros(100), [], "completed", ["no", "yes"])]
    assert kinds == ["constant_prediction", "class_imbalance"]


def _frame(task: str, n: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    colour = rng.choice(["red", "green"], n)
    label = 3 * x1 - x2 + rng.normal(scale=0.3, size=n) if task == "regression" else np.where(x1 + x2 > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "label": label})


def test_run_experiment_reports_baseline_warnings_and_plots() -> None:
    training = {"epochs": 15, "batch_size": 16, "learning_rate": 0.01}
    for task, headline in (("binary", "accuracy"), ("regression", "r2")):
        spec = ExperimentSpec.model_validate({"dataset_id": 1, "label": "label", "training": training})
        outcome = run_experiment(_frame(task), spec, importance_repeats=1)
        json.dumps([outcome.baseline, outcome.warnings, outcome.plots], allow_nan=False)
        assert outcome.baseline["headline"] == headline
        assert outcome.baseline["network"] == outcome.metrics["test"]
        assert len(outcome.baseline["models"]) == 2 and outcome.baseline["verdict"].endswith(".")
        assert all(set(w) == {"kind", "message"} for w in outcome.warnings)
        assert set(outcome.plots) == {"train", "validation", "test"}
        test_plots = outcome.plots["test"]
        if task == "binary":
            series = test_plots["probability_histogram"]["series"]
            assert sum(sum(s["counts"]) for s in series) == outcome.split_sizes["test"]
            assert outcome.baseline["models"][1]["metrics"]["accuracy"] > 0.85  # a linear boundary
        else:
            assert sum(test_plots["residual_histogram"]["counts"]) == outcome.split_sizes["test"]
            assert len(test_plots["error_by_range"]) == 5
            assert outcome.baseline["models"][1]["metrics"]["r2"] > 0.9
