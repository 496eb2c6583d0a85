"""Activation functions and their derivatives, as registries of small functions.

``ACTIVATIONS[name](z, out)`` writes f(z) into ``out`` (which may be ``z`` itself)
and returns it. ``DERIVATIVES[name](z, a, delta)`` multiplies the upstream
gradient ``delta`` in place by f'(z) (for softmax: by its Jacobian, row by row),
given the input ``z`` and the output ``a``, and returns it; it may overwrite
``a`` (and so ``z`` when they are one array), which the backward pass no longer needs. Every derivative
except GELU's reads only the output ``a``, so those activations may overwrite
their input (``INPLACE``): that saves a buffer and a pass over memory per layer. All arrays are (n_samples, n_units).

Scalars here are Python floats on purpose: a NumPy float64 scalar would turn
float32 arithmetic into float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

Activation = Callable[[np.ndarray, np.ndarray], np.ndarray]
Derivative = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

LEAKY_SLOPE = 0.01
_GELU_C = 0.7978845608028654  # sqrt(2 / pi)
_GELU_K = 0.044715


def linear(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    if out is not z:
        np.copyto(out, z)
    return out


_CONSTANT_MAX_SIZE = 1 << 18  # elements (1 MB of float32): minibatches, not whole datasets


def _constant(value: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | int:
    """``value`` as a read-only array of ``shape`` when it is minibatch-sized: NumPy's
    maximum and minimum run several times faster against an array than against a
    broadcast scalar. Larger shapes get the scalar, so that memory stays bounded."""
    if math.prod(shape) > _CONSTANT_MAX_SIZE:
        return value
    return _constant_array(value, shape, dtype)


@lru_cache(maxsize=16)
def _constant_array(value: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    array = np.full(shape, value, dtype)
    array.flags.writeable = False
    return array


_SIGNED_OF_WIDTH = {2: np.dtype(np.int16), 4: np.dtype(np.int32), 8: np.dtype(np.int64)}


def _bits(x: np.ndarray) -> np.ndarray:
    """x viewed as signed integers of its width: a float is > 0 exactly when its bits are.
    (The dtype comes from a table: parsing "i4" on every call cost 2 % of an epoch.)"""
    return x.view(_SIGNED_OF_WIDTH[x.dtype.itemsize])


def relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # max(z, 0) on the bits: the same numbers (-0.0 becomes +0.0), and an output
    # whose bits are never negative, which relu_derivative relies on.
    bits = _bits(z)
    np.maximum(bits, _constant(0, z.shape, bits.dtype), out=_bits(out))
    return out


def leaky_relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # max(z, 0.01 z) is z for z > 0 and 0.01 z otherwise.
    return np.maximum(z, z * LEAKY_SLOPE, out=out)


def elu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # ELU with alpha = 1: z for z > 0, e^z - 1 otherwise. Since e^z - 1 ≥ z everywhere,
    # the maximum picks the right branch; expm1 of min(z, 0) can never overflow.
    negative = np.expm1(np.minimum(z, 0.0))
    return np.maximum(z, negative, out=out)


def gelu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # The tanh approximation (as PyTorch's approximate="tanh"); NumPy has no erf.
    inner = z * z
    inner *= _GELU_K
    inner += 1.0
    inner *= z
    inner *= _GELU_C
    np.tanh(inner, out=inner)
    inner += 1.0
    inner *= 0.5
    return np.multiply(z, inner, out=out)


def tanh(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=out)


def sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-z) = exp(-log(1 + e^-z)); logaddexp never overflows.
    np.logaddexp(0.0, -z, out=out)
    np.negative(out, out=out)
    return np.exp(out, out=out)


@lru_cache(maxsize=16)
def row_starts(n: int, k: int) -> np.ndarray:
    """Flat positions of the first element of each row of an (n, k) array (read-only):
    a row's element j is at row_starts + j, which ``take`` reads fast."""
    starts = np.arange(0, n * k, k)
    starts.flags.writeable = False
    return starts


def row_max(z: np.ndarray) -> np.ndarray:
    """The maximum of each row of z (n, k), as (n, 1). Through argmax, because
    NumPy's max along a short row axis runs about ten times slower."""
    n, k = z.shape
    positions = z.argmax(axis=1)
    positions += row_starts(n, k)
    return z.reshape(-1).take(positions)[:, None]


def row_sum(z: np.ndarray) -> np.ndarray:
    """The sum of each row of z (n, k), as (n, 1): a matmul, 3x faster than sum(axis=1)."""
    return z @ _constant_array(1, (z.shape[1], 1), z.dtype)


def softmax(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # Shifting by the row maximum keeps exp in range without changing the result.
    np.subtract(z, row_max(z), out=out)
    np.exp(out, out=out)
    out /= row_sum(out)
    return out


def linear_derivative(z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    return delta


def relu_derivative(z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    # delta * (a > 0) in two integer passes: min(bits of a, 1) is 1 where a > 0 and
    # 0 where a = 0, and multiplying delta's bits by 1 or 0 keeps them or zeroes them.
    # (Twice as fast as multiplying by a boolean mask, which NumPy casts element by element.)
    # The mask goes over ``a``, which nothing reads after the backward pass.
    a_bits, delta_bits = _bits(a), _bits(delta)
    mask = np.minimum(a_bits, _constant(1, a.shape, a_bits.dtype), out=a_bits)
    np.multiply(delta_bits, mask, out=delta_bits)
    return delta


def leaky_relu_derivative(z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    one, slope = a.dtype.type(1.0), a.dtype.type(LEAKY_SLOPE)
    return np.multiply(delta, np.where(a > 0.0, one, slope), out=delta)


def elu_derivative(z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    # For z < 0, f'(z) = e^z = a + 1; for z > 0 it is 1.
    slope = np.minimum(a, 0.0)
    slope += 1.0
    np.minimum(slope, 1.0, out=slope)
    return np.multiply(delta, slope, out=delta)


def gelu_derivative(z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    z2 = z * z
    t = z2 * _GELU_K
    t += 1.0
    t *= z
    t *= _GELU_C
    np.tanh(t, out=t)
    # d/dz [0.5 z (1 + t)] = 0.5 (1 + t) + 0.5 z (1 - t^2) c (1 + 3k z^2)
    inner = z2
    inner *= 3.0 * _GELU_K
    inner += 1.0
    inner *= _GELU_C
    inner *= z
    inner *= 1.0 - t * t
    inner += 1.0
    inner += t
    inner *= 0.5
    return np.multiply(delta, inner, out=delta)


def tanh_derivative(z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    return np.multiply(delta, 1.0 - a * a, out=delta)


def sigmoid_derivative(z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    return np.multiply(delta, a * (1.0 - a), out=delta)


def softmax_derivative(z: np.ndarray, a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    # The Jacobian-vector product of softmax: a * (delta - <delta, a>) per row.
    dot = np.einsum("ij,ij->i", delta, a)[:, None]
    delta -= dot
    delta *= a
    return delta


ACTIVATIONS: dict[str, Activation] = {
    "linear": linear,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "gelu": gelu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "softmax": softmax,
}

DERIVATIVES: dict[str, Derivative] = {
    "linear": linear_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
    "gelu": gelu_derivative,
    "tanh": tanh_derivative,
    "sigmoid": sigmoid_derivative,
    "softmax": softmax_derivative,
}

# Activations whose derivative reads only their output, so they may run in place.
INPLACE = frozenset(ACTIVATIONS) - {"gelu"}
