"""Losses and activations stay finite, without warnings, at extreme inputs;
at ordinary inputs they equal the textbook formulas."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.activations import ACTIVATIONS
from app.engine.losses import LOSSES, binary_crossentropy, categorical_crossentropy, huber, mae, mse

EXTREME = np.array([[1000.0, -1000.0, 0.0], [88.0, -104.0, 3.0]], np.float32)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_at_extreme_inputs(name: str) -> None:
    out = ACTIVATIONS[name](EXTREME.copy(), np.empty_like(EXTREME))  # warnings are errors here
    assert np.isfinite(out).all() and out.dtype == np.float32


def test_binary_crossentropy_from_extreme_logits() -> None:
    logits = np.array([[1000.0], [-1000.0], [1000.0]], np.float32)
    loss, grad = binary_crossentropy(logits, np.array([[1.0], [0.0], [0.0]], np.float32))
    assert loss == pytest.approx(1000.0 / 3) and np.isfinite(grad).all()
    np.testing.assert_allclose(grad.ravel(), [0.0, 0.0, 1.0 / 3])


def test_categorical_crossentropy_from_extreme_logits() -> None:
    logits = np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]], np.float32)
    loss, grad = categorical_crossentropy(logits, np.array([0, 2]))
    assert loss == pytest.approx(1000.0) and np.isfinite(grad).all()
    np.testing.assert_allclose(grad, [[0.0, 0.0, 0.0], [0.5, 0.0, -0.5]], atol=1e-7)


def test_textbook_values() -> None:
    rng = np.random.default_rng(0)
    z = rng.standard_normal((20, 1))
    y = rng.integers(0, 2, (20, 1)).astype(np.float64)
    p = 1 / (1 + np.exp(-z))
    assert binary_crossentropy(z, y)[0] == pytest.approx(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)))
    logits, classes = rng.standard_normal((20, 4)), rng.integers(0, 4, 20)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert categorical_crossentropy(logits, classes)[0] == pytest.approx(
        np.mean(-np.log(softmax[np.arange(20), classes])))
    predictions, targets = rng.standard_normal((20, 2)), 3 * rng.standard_normal((20, 2))
    error = predictions - targets
    assert mse(predictions, targets)[0] == pytest.approx(np.mean(error**2))
    assert mae(predictions, targets)[0] == pytest.approx(np.mean(np.abs(error)))
    quadratic = np.abs(error) <= 1.0
    expected_huber = np.where(quadratic, 0.5 * error**2, np.abs(error) - 0.5).mean()
    assert huber(predictions, targets)[0] == pytest.approx(expected_huber)


def test_class_weights_scale_each_sample_and_unit_weights_change_nothing() -> None:
    rng = np.random.default_rng(1)
    logits, classes = rng.standard_normal((10, 3)), rng.integers(0, 3, 10)
    plain = categorical_crossentropy(logits, classes)
    ones = categorical_crossentropy(logits, classes, np.ones(3))
    assert ones[0] == pytest.approx(plain[0]) and np.allclose(ones[1], plain[1])
    weights = np.array([1.0, 2.0, 5.0])
    per_sample = [categorical_crossentropy(logits[i:i + 1], classes[i:i + 1])[0] for i in range(10)]
    expected = np.mean(np.array(per_sample) * weights[classes])
    assert categorical_crossentropy(logits, classes, weights)[0] == pytest.approx(expected)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_keep_float32(name: str) -> None:
    outputs = np.ones((4, 1), np.float32) * 0.3
    y = np.array([0, 1, 0, 0]) if name == "categorical_crossentropy" else np.ones((4, 1), np.float32)
    if name == "categorical_crossentropy":
        outputs = np.ones((4, 2), np.float32)
    loss, grad = LOSSES[name](outputs, y, None)
    assert isinstance(loss, float) and grad.dtype == np.float32
