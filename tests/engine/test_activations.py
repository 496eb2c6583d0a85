"""ReLU works on the floats' bits: it must equal the plain formulas exactly, at every size."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.activations import relu, relu_derivative


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7, 3), (256, 256), (3000, 300)])  # the last is past the cached constants
def test_relu_and_its_derivative_equal_the_formulas(dtype: type, shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(0)
    z = rng.standard_normal(shape).astype(dtype)
    z.flat[:6] = [0.0, -0.0, np.finfo(dtype).tiny / 4, -np.finfo(dtype).tiny / 4, np.inf, -np.inf]
    delta = rng.standard_normal(shape).astype(dtype)
    a = relu(z, np.empty_like(z))
    assert a.dtype == dtype
    np.testing.assert_array_equal(a, np.maximum(z, 0.0))
    assert not np.signbit(a).any()  # -0.0 and negative denormals become +0.0
    expected = delta * (np.maximum(z, 0.0) > 0.0)
    got = relu_derivative(z, a, delta.copy())
    np.testing.assert_array_equal(got, expected)
