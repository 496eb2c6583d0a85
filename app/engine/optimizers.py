"""Optimizers that update the flat parameter vector in place from the flat gradient.

Every update is a fixed handful of whole-vector NumPy calls writing into
preallocated state (no temporaries), whatever the number of layers. Weight
decay applies to ``params[:n_decayed]`` (the weight matrices): as an L2 term
added to the gradient for SGD, RMSprop and Adam, decoupled for AdamW.
Hyperparameters are held as Python floats: NumPy float64 scalars would upcast.

A moving average whose gradient stays zero (a dead ReLU's weights) decays geometrically
into subnormal numbers, on which the CPU's arithmetic is many times slower; NumPy cannot
set flush-to-zero, so every FLUSH_EVERY steps averages too small to matter become 0.
"""

from __future__ import annotations

import math

import numpy as np

FLUSH_EVERY = 64
# A value this small moves a parameter by less than 1e-20 of a step: zeroing it changes nothing.
MAX_FLUSHED = 1e-30


def flush_threshold(decay: float, dtype: np.dtype) -> float:
    """Below this, an average multiplied by ``decay`` each step may turn subnormal before
    the next flush; 0 (no flush) for an average that does not decay. Capped at MAX_FLUSHED:
    a fast decay (below about 0.76 in float32) may still pass through a few subnormal steps
    between flushes rather than lose values that could matter."""
    if not 0.0 < decay < 1.0:
        return 0.0
    tiny = float(np.finfo(dtype).tiny)
    left_after_flushes = decay**FLUSH_EVERY
    if left_after_flushes <= 2.0 * tiny / MAX_FLUSHED:
        return MAX_FLUSHED
    return 2.0 * tiny / left_after_flushes


class Optimizer:
    """``step(params, grads)`` updates ``params`` (n,) in place; it may overwrite ``grads``.
    ``learning_rate`` may be changed between steps (by a schedule)."""

    def __init__(self, size: int, dtype: np.dtype, learning_rate: float,
                 weight_decay: float = 0.0, n_decayed: int = 0) -> None:
        if learning_rate <= 0.0 or not math.isfinite(learning_rate):
            raise ValueError(f"The learning rate must be a positive number, not {learning_rate}.")
        if weight_decay < 0.0:
            raise ValueError(f"Weight decay cannot be negative ({weight_decay}).")
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.n_decayed = n_decayed
        self.t = 0  # steps taken: Adam's bias correction and the flushes count them
        self._scratch = np.empty(size, dtype)
        self._below = np.empty(size, np.bool_)
        self._flushed: list[tuple[np.ndarray, float]] = []  # (moving average, its threshold)

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The arrays a resumed run needs, by attribute name; "_" names are work buffers."""
        return {name: value for name, value in vars(self).items()
                if isinstance(value, np.ndarray) and not name.startswith("_")}

    def _decays_into(self, average: np.ndarray, decay: float) -> np.ndarray:
        """Register ``average`` (multiplied by ``decay`` each step) for flushing; returns it."""
        threshold = flush_threshold(decay, average.dtype)
        if threshold:
            self._flushed.append((average, threshold))
        return average

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        self.t += 1
        self._decay(params, grads)
        self._update(params, grads)
        if self.t % FLUSH_EVERY == 0:
            self._flush()

    def _decay(self, params: np.ndarray, grads: np.ndarray) -> None:
        if self.weight_decay:  # the gradient of (wd / 2) |w|² is wd w
            decayed, scratch = slice(0, self.n_decayed), self._scratch[: self.n_decayed]
            np.multiply(params[decayed], self.weight_decay, out=scratch)
            grads[decayed] += scratch

    def _update(self, params: np.ndarray, grads: np.ndarray) -> None:
        raise NotImplementedError

    def _flush(self) -> None:
        for average, threshold in self._flushed:
            np.less(np.abs(average, out=self._scratch), threshold, out=self._below)
            np.putmask(average, self._below, 0.0)


class SGD(Optimizer):
    """v = momentum v + g;  p -= lr v  (Nesterov: p -= lr (g + momentum v)), as PyTorch."""

    def __init__(self, size: int, dtype: np.dtype, learning_rate: float, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0, n_decayed: int = 0) -> None:
        super().__init__(size, dtype, learning_rate, weight_decay, n_decayed)
        self.momentum, self.nesterov = float(momentum), nesterov
        self.velocity = self._decays_into(np.zeros(size, dtype), self.momentum)

    def _update(self, params: np.ndarray, grads: np.ndarray) -> None:
        direction, scratch = grads, self._scratch
        if self.momentum:
            self.velocity *= self.momentum
            self.velocity += grads
            direction = self.velocity
            if self.nesterov:
                np.multiply(self.velocity, self.momentum, out=scratch)
                scratch += grads
                direction = scratch
        np.multiply(direction, self.learning_rate, out=scratch)
        params -= scratch


class RMSprop(Optimizer):
    """s = rho s + (1 - rho) g²;  p -= lr g / (sqrt(s) + eps)  (as PyTorch)."""

    def __init__(self, size: int, dtype: np.dtype, learning_rate: float, rho: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, n_decayed: int = 0) -> None:
        super().__init__(size, dtype, learning_rate, weight_decay, n_decayed)
        self.rho, self.eps = float(rho), float(eps)
        self.square_avg = self._decays_into(np.zeros(size, dtype), self.rho)

    def _update(self, params: np.ndarray, grads: np.ndarray) -> None:
        s, scratch = self.square_avg, self._scratch
        # s = rho (s - g²) + g², rearranged to need no temporary.
        np.square(grads, out=scratch)
        s -= scratch
        s *= self.rho
        s += scratch
        np.sqrt(s, out=scratch)
        scratch += self.eps
        np.divide(grads, scratch, out=scratch)
        scratch *= self.learning_rate
        params -= scratch


class Adam(Optimizer):
    """m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g²;
    p -= lr m̂ / (sqrt(v̂) + eps), with m̂ = m / (1-b1^t), v̂ = v / (1-b2^t).

    The moments are kept without their (1 - b) factors, m' = m / (1-b1) and
    v' = v / (1-b2), so each is a multiply and an add (m' = b1 m' + g), and every
    constant is folded into two scalars: lr m̂ / (sqrt(v̂) + eps) = step m' / (sqrt(v') + eps'),
    step = lr (1-b1) / ((1-b1^t) c), eps' = eps / c, c = sqrt((1-b2) / (1-b2^t)).
    PyTorch's result (up to rounding) in 10 in-place passes over the vector.
    """

    def __init__(self, size: int, dtype: np.dtype, learning_rate: float, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8, weight_decay: float = 0.0,
                 n_decayed: int = 0) -> None:
        super().__init__(size, dtype, learning_rate, weight_decay, n_decayed)
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"Adam's betas must lie in [0, 1), not {beta1} and {beta2}.")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = self._decays_into(np.zeros(size, dtype), self.beta1)  # m' = m / (1 - beta1)
        self.v = self._decays_into(np.zeros(size, dtype), self.beta2)  # v' = v / (1 - beta2)

    def _update(self, params: np.ndarray, grads: np.ndarray) -> None:
        m, v, scratch = self.m, self.v, self._scratch
        c = math.sqrt((1.0 - self.beta2) / (1.0 - self.beta2**self.t))
        step_size = self.learning_rate * (1.0 - self.beta1) / ((1.0 - self.beta1**self.t) * c)
        m *= self.beta1
        m += grads
        np.square(grads, out=scratch)
        v *= self.beta2
        v += scratch
        np.sqrt(v, out=scratch)
        scratch += self.eps / c
        np.divide(m, scratch, out=scratch)
        scratch *= step_size
        params -= scratch


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr wd before the Adam step."""

    def _decay(self, params: np.ndarray, grads: np.ndarray) -> None:
        if self.weight_decay:
            params[: self.n_decayed] *= 1.0 - self.learning_rate * self.weight_decay


OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw")


def make_optimizer(name: str, size: int, dtype: np.dtype, learning_rate: float,
                   weight_decay: float = 0.0, n_decayed: int = 0,
                   momentum: float = 0.9) -> Optimizer:
    """The optimizer called ``name`` (one of OPTIMIZERS) for a parameter vector of ``size``."""
    common = {"weight_decay": weight_decay, "n_decayed": n_decayed}
    if name == "sgd":
        return SGD(size, dtype, learning_rate, **common)
    if name in ("momentum", "nesterov"):
        return SGD(size, dtype, learning_rate, momentum, name == "nesterov", **common)
    if name == "rmsprop":
        return RMSprop(size, dtype, learning_rate, **common)
    if name == "adam":
        return Adam(size, dtype, learning_rate, **common)
    if name == "adamw":
        return AdamW(size, dtype, learning_rate, **common)
    raise ValueError(f"Unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}.")
