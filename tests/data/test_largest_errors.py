"""The worst rows of a split: the largest residuals, or the most confident mistakes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from app.data.largest_errors import error_entries, shown_errors


def test_regression_rows_come_largest_error_first_with_their_inputs() -> None:
    actual = np.array([10.0, 20.0, 30.0, 40.0])
    predicted = np.array([11.0, 50.0, 29.0, 30.0])
    inputs = pd.DataFrame({"size": [1, 2, 3, np.nan], "colour": ["red", "=blue", "green", "red"]})
    entries = error_entries("regression", np.array([5, 6, 7, 8]), actual, predicted, None, [], inputs)
    json.dumps(entries, allow_nan=False)
    assert [e["row"] for e in entries] == [7, 9, 6, 8]  # 1-based: the frame's row 6 is the CSV's data row 7
    assert entries[0]["predicted"] == 50.0 and entries[0]["error"] == -30.0
    assert entries[0]["inputs"] == {"size": 2.0, "colour": "=blue"}
    assert entries[1]["inputs"]["size"] is None
    assert [e["row"] for e in shown_errors(entries, "regression", [], None, limit=2)] == [7, 9]


def test_classification_shows_the_most_confident_mistakes_at_the_threshold() -> None:
    actual = np.array([0, 1, 1, 0, 1])
    positive = np.array([0.97, 0.02, 0.40, 0.10, 0.90])
    probabilities = np.column_stack([1 - positive, positive])
    inputs = pd.DataFrame({"x": [1, 2, 3, 4, 5]})
    entries = error_entries("binary", np.arange(5), actual, None, probabilities, ["bad", "good"], inputs)
    at_half = shown_errors(entries, "binary", ["bad", "good"], 0.5, limit=10)
    assert [e["row"] for e in at_half] == [2, 1, 3]  # p(actual) 0.02, 0.03, 0.40
    assert at_half[0]["actual"] == "good" and at_half[0]["predicted"] == "bad"
    assert abs(at_half[0]["probability"] - 0.98) < 1e-9  # how sure it was of its wrong answer
    at_low = shown_errors(entries, "binary", ["bad", "good"], 0.3, limit=10)
    assert [e["row"] for e in at_low] == [2, 1]  # at 0.3, row 3 (0.40) is predicted "good": right
    multi = error_entries("multiclass", np.arange(2), np.array([2, 0]), None,
                          np.array([[0.7, 0.2, 0.1], [0.8, 0.1, 0.1]]), ["a", "b", "c"], inputs.iloc[:2])
    assert [e["predicted"] for e in shown_errors(multi, "multiclass", ["a", "b", "c"], None, 5)] == ["a"]
