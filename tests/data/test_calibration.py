"""Reliability diagram and Brier score of predicted probabilities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.data.calibration import brier_score, reliability


def test_brier_score_binary_and_multiclass() -> None:
    y = np.array([0, 1, 1, 0])
    p = np.array([0.1, 0.8, 0.6, 0.3])
    assert brier_score(y, np.column_stack([1 - p, p])) == pytest.approx(np.mean((p - y) ** 2))
    y3 = np.array([0, 2])
    p3 = np.array([[0.7, 0.2, 0.1], [0.2, 0.2, 0.6]])
    expected = np.mean([(0.3**2 + 0.2**2 + 0.1**2), (0.2**2 + 0.2**2 + 0.4**2)])
    assert brier_score(y3, p3) == pytest.approx(expected)
    assert brier_score(np.zeros(0, dtype=int), np.zeros((0, 2))) is None


def test_a_calibrated_model_lies_on_the_diagonal() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=20_000)
    y = (rng.uniform(size=p.size) < p).astype(np.int64)
    diagram = reliability(y, np.column_stack([1 - p, p]), ["no", "yes"])
    assert diagram["value"] == "probability of yes"
    assert diagram["brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert sum(b["rows"] for b in diagram["bins"]) == p.size
    for b in diagram["bins"]:
        assert abs(b["observed"] - b["mean_predicted"]) < 0.05
    json.dumps(diagram, allow_nan=False)


def test_an_overconfident_model_is_off_the_diagonal_and_empty_bins_are_left_out() -> None:
    y = np.array([0, 1] * 50)
    p = np.where(np.arange(100) % 3 == 0, 0.95, 0.05)  # confident, right only by chance
    diagram = reliability(y, np.column_stack([1 - p, p]), ["a", "b"])
    assert [b["rows"] for b in diagram["bins"]] == [66, 34]
    assert diagram["bins"][1]["mean_predicted"] == pytest.approx(0.95)
    assert abs(diagram["bins"][1]["observed"] - 0.5) < 0.05


def test_multiclass_uses_the_predicted_class_confidence() -> None:
    y = np.array([0, 1, 2, 2])
    p = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.6, 0.1, 0.3], [0.1, 0.1, 0.8]])
    diagram = reliability(y, p, ["a", "b", "c"])
    assert diagram["value"] == "probability of the predicted class"
    assert sum(b["rows"] for b in diagram["bins"]) == 4
