"""Warnings that name what happened: split disagreement, dominant rows, outlier predictions."""

from __future__ import annotations

import numpy as np

from app.jobs.diagnostics import constant_prediction_warning
from app.jobs.doubts import dominant_rows_warning, outlier_prediction_warning, split_disagreement_warning

RNG = np.random.default_rng(0)


def _regression(n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    actual = RNG.normal(100, 20, n)
    return actual, actual + RNG.normal(0, noise, n)


def test_split_disagreement_fires_beyond_what_the_sizes_explain() -> None:
    val_actual, val_predicted = _regression(300, 5)
    test_actual, test_predicted = _regression(200, 5)
    assert split_disagreement_warning("regression", "r2", (val_actual, val_predicted, None),
                                      (test_actual, test_predicted, None)) is None
    test_predicted = test_predicted.copy()
    test_predicted[17] = test_actual[17] + 900  # one row, predicted far off
    warning = split_disagreement_warning("regression", "r2", (val_actual, val_predicted, None),
                                         (test_actual, test_predicted, None))
    assert warning is not None and warning["kind"] == "split_disagreement"
    assert warning["message"].startswith("Validation R² 0.9")
    assert "but test" in warning["message"] and "300 and 200 rows" in warning["message"]


def test_small_splits_explain_a_large_gap() -> None:
    y = np.array([0, 1] * 5)
    right = np.column_stack([1 - y * 0.8 - 0.1, y * 0.8 + 0.1])
    wrong = right.copy()
    wrong[:3] = wrong[:3, ::-1]  # 3 of 10 rows wrong: 0.7 against 1.0 on 10 rows each
    assert split_disagreement_warning("binary", "accuracy", (y, None, right), (y, None, wrong), threshold=0.5) is None


def test_one_row_dominating_the_test_error_is_named() -> None:
    actual, predicted = _regression(120, 5)
    predicted[40] = actual[40] + 400
    warning = dominant_rows_warning("regression", np.arange(120) + 1000, actual, predicted, None)
    assert warning is not None and warning["kind"] == "dominant_rows"
    assert warning["message"].startswith("1 row makes ") and "% of the test squared error" in warning["message"]
    assert "row 1,040" in warning["message"]
    even_actual, even_predicted = _regression(120, 5)
    assert dominant_rows_warning("regression", np.arange(120), even_actual, even_predicted, None) is None


def test_an_outlier_prediction_far_outside_the_training_range_is_named() -> None:
    predicted = np.array([200_000.0, 1_500_000.0])
    warning = outlier_prediction_warning((35_000.0, 755_000.0), {"test": (np.array([10, 11]), predicted)})
    assert warning is not None and warning["kind"] == "outlier_prediction"
    assert "Row 11 (test) is predicted at 1,500,000" in warning["message"]
    assert "35,000" in warning["message"] and "755,000" in warning["message"]
    assert outlier_prediction_warning((0.0, 10.0), {"test": (np.array([1]), np.array([12.0]))}) is None


def test_one_class_for_nearly_every_row_counts_the_rows() -> None:
    actual = np.array([0] * 1121 + [1] * 62)
    predicted = np.zeros(1183, dtype=np.int64)
    predicted[5] = 1
    warning = constant_prediction_warning("binary", actual, predicted, ["good", "bad"])
    assert warning is not None and 'predicts "good" for 1,182 of the 1,183 test rows' in warning["message"]
