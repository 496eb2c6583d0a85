"""Training metrics accumulated over batches equal scikit-learn's on the whole set."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, r2_score

from app.engine.metrics import RunningMetric


def accumulate(metric: RunningMetric, outputs: np.ndarray, y: np.ndarray) -> float:
    for start in range(0, len(y), 7):  # uneven batches
        metric.add(outputs[start:start + 7], y[start:start + 7])
    return metric.value()


def test_binary_accuracy_from_logits() -> None:
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((50, 1)).astype(np.float32)
    y = rng.integers(0, 2, (50, 1)).astype(np.float32)
    got = accumulate(RunningMetric("accuracy", y), logits, y)
    assert got == pytest.approx(accuracy_score(y.ravel(), logits.ravel() > 0))


def test_multiclass_accuracy_from_logits() -> None:
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((50, 4)).astype(np.float32)
    y = rng.integers(0, 4, 50)
    got = accumulate(RunningMetric("accuracy", y), logits, y)
    assert got == pytest.approx(accuracy_score(y, logits.argmax(axis=1)))


def test_r2_averaged_over_outputs() -> None:
    rng = np.random.default_rng(2)
    y = rng.standard_normal((50, 2)).astype(np.float32)
    predictions = y + 0.5 * rng.standard_normal((50, 2)).astype(np.float32)
    got = accumulate(RunningMetric("r2", y), predictions, y)
    assert got == pytest.approx(r2_score(y, predictions), rel=1e-5)


def test_r2_of_constant_targets_and_reset() -> None:
    y = np.ones((10, 1), np.float32)
    metric = RunningMetric("r2", y)
    assert accumulate(metric, y.copy(), y) == 1.0
    metric.reset()
    assert accumulate(metric, y + 1.0, y) == 0.0


def test_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown metric"):
        RunningMetric("f1", np.zeros(3))
