"""Weight initializers: He (for the ReLU family) and Glorot (for the rest).

Each takes (fan_in, fan_out, rng) and returns a (fan_in, fan_out) float32 matrix
drawn from the seeded ``np.random.Generator``, so the same seed gives the same net.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    limit = math.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((fan_in, fan_out), dtype=np.float32) * math.sqrt(2.0 / fan_in)


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


def glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    scale = math.sqrt(2.0 / (fan_in + fan_out))
    return rng.standard_normal((fan_in, fan_out), dtype=np.float32) * scale


INITIALIZERS: dict[str, Initializer] = {
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
}

# He keeps the variance of ReLU-like layers (which zero half their inputs) steady;
# Glorot suits the symmetric and saturating ones.
DEFAULT_FOR_ACTIVATION: dict[str, str] = {
    "relu": "he_uniform",
    "leaky_relu": "he_uniform",
    "elu": "he_uniform",
    "gelu": "he_uniform",
    "tanh": "glorot_uniform",
    "sigmoid": "glorot_uniform",
    "softmax": "glorot_uniform",
    "linear": "glorot_uniform",
}
