"""Initializers: the variances of He and Glorot, float32, and reproducible by seed."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.initializers import INITIALIZERS

FAN_IN, FAN_OUT = 300, 200
VARIANCE = {"he": 2 / FAN_IN, "glorot": 2 / (FAN_IN + FAN_OUT)}


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_variance_dtype_and_seed(name: str) -> None:
    weights = INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.default_rng(0))
    assert weights.shape == (FAN_IN, FAN_OUT) and weights.dtype == np.float32
    assert weights.var() == pytest.approx(VARIANCE[name.split("_")[0]], rel=0.03)
    assert abs(weights.mean()) < 0.01
    if name.endswith("uniform"):  # U(-limit, limit) has variance limit² / 3
        assert np.abs(weights).max() <= np.sqrt(3 * VARIANCE[name.split("_")[0]])
    again = INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.default_rng(0))
    np.testing.assert_array_equal(weights, again)
