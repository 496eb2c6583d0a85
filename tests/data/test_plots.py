"""Plot data for the results page: probability histograms, residual histograms, error by range."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.data.plots import (
    PROBABILITY_BINS,
    RESIDUAL_BINS,
    classification_plots,
    error_by_range,
    probability_histogram,
    regression_plots,
    residual_histogram,
)


def test_binary_histogram_splits_the_positive_probability_by_actual_class() -> None:
    y = np.array([0, 0, 1, 1, 1])
    positive = np.array([0.1, 0.55, 0.96, 1.0, 0.0])
    result = probability_histogram(y, np.column_stack([1 - positive, positive]), ["no", "yes"])
    json.dumps(result, allow_nan=False)
    assert result["value"] == "probability of yes"
    assert len(result["bin_edges"]) == PROBABILITY_BINS + 1 and result["bin_edges"][3] == 0.15
    no, yes = result["series"]
    assert (no["name"], yes["name"]) == ("no", "yes")
    assert sum(no["counts"]) == 2 and sum(yes["counts"]) == 3
    assert yes["counts"][-1] == 2 and yes["counts"][0] == 1  # 1.0 falls in the last bar


def test_multiclass_histogram_of_the_predicted_class_correct_or_wrong() -> None:
    probabilities = np.array([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    result = classification_plots(np.array([0, 2, 2]), probabilities, ["a", "b", "c"])["probability_histogram"]
    correct, wrong = result["series"]
    assert sum(correct["counts"]) == 2 and sum(wrong["counts"]) == 1
    assert wrong["counts"][10] == 1  # 0.5 in [0.5, 0.55)


def test_residual_histogram_counts_every_row_and_survives_constant_residuals() -> None:
    rng = np.random.default_rng(0)
    actual = rng.normal(size=1000)
    actual[0] = 1e6  # an outlier lands in the last bar instead of stretching the axis
    result = residual_histogram(actual, np.zeros(1000))
    assert len(result["counts"]) == RESIDUAL_BINS and sum(result["counts"]) == 1000
    assert result["bin_edges"][-1] < 10
    flat = residual_histogram(np.ones(5), np.ones(5))
    assert sum(flat["counts"]) == 5 and flat["bin_edges"][0] < 0 < flat["bin_edges"][-1]
    assert residual_histogram(np.zeros(0), np.zeros(0)) == {"bin_edges": [], "counts": []}


def test_error_by_range_per_quintile_with_boundaries() -> None:
    actual = np.arange(100, dtype=float)
    predicted = actual + np.where(actual >= 80, 10.0, 1.0)
    ranges = error_by_range(actual, predicted)
    assert len(ranges) == 5 and sum(r["rows"] for r in ranges) == 100
    assert ranges[0]["low"] == 0 and ranges[-1]["high"] == 99
    assert [r["mae"] for r in ranges] == pytest.approx([1, 1, 1, 1, 10])
    assert ranges[-1]["mean_residual"] == pytest.approx(-10)
    repeated = error_by_range(np.array([1.0, 1, 1, 1, 2]), np.array([1.0, 1, 1, 1, 2]))
    assert sum(r["rows"] for r in repeated) == 5 and len(repeated) < 5


def test_regression_plots_are_json_safe() -> None:
    actual = np.array([1.0, 2.0, np.nan, 4.0])
    result = regression_plots(actual, np.array([1.5, np.inf, 3.0, 4.0]))
    json.dumps(result, allow_nan=False)
    assert sum(r["rows"] for r in result["error_by_range"]) == 2
