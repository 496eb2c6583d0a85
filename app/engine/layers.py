"""Layers: Dense, BatchNorm, Activation and Dropout.

A layer's ``forward(x, training)`` maps (n, n_in) to (n, n_out) and its
``backward(delta)`` maps d loss / d output (n, n_out) to d loss / d input (n, n_in),
writing its parameter gradients into the views the network bound to it.

While training, outputs go into buffers kept per batch size and reused batch
after batch (``_Buffers``); the result of a forward pass is only valid until the
next one. Outside training every call allocates, so predictions never alias.
"""

from __future__ import annotations

import numpy as np

from app.engine.activations import ACTIVATIONS, DERIVATIVES, INPLACE
from app.engine.initializers import INITIALIZERS


class _Buffers:
    """Scratch arrays of shape (n, width) keyed by batch size n (a full batch and
    the epoch's last, shorter one), so that training allocates nothing per batch."""

    _MAX_SIZES = 4

    def __init__(self, width: int, dtype: np.dtype, fill: float | None = None) -> None:
        self.width, self.dtype, self.fill = width, dtype, fill
        self._by_size: dict[int, np.ndarray] = {}

    def get(self, n: int) -> np.ndarray:
        buffer = self._by_size.get(n)
        if buffer is None:
            if len(self._by_size) >= self._MAX_SIZES:
                self._by_size.clear()
            buffer = np.empty((n, self.width), self.dtype)
            if self.fill is not None:
                buffer.fill(self.fill)
            self._by_size[n] = buffer
        return buffer


class Layer:
    """Parameters are declared by ``parameter_shapes`` and bound by the network to
    views of its flat parameter and gradient vectors; those named in ``DECAYED``
    are subject to weight decay. ``state`` holds non-trained arrays that are saved."""

    DECAYED: tuple[str, ...] = ()

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def state_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
             state: dict[str, np.ndarray]) -> None:
        pass

    def initialize(self, rng: np.random.Generator) -> None:
        pass

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, delta: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Dense(Layer):
    """x (n, n_in) -> x @ weight + bias (n, n_out). ``weight`` is weight-decayed."""

    DECAYED = ("weight",)

    def __init__(self, n_in: int, n_out: int, initializer: str, dtype: np.dtype) -> None:
        self.n_in, self.n_out, self.initializer = n_in, n_out, initializer
        self.needs_input_grad = True  # the first layer's input is data: skip its gradient
        self._out = _Buffers(n_out, dtype)
        self._dx = _Buffers(n_in, dtype)
        self._ones = _Buffers(1, dtype, fill=1.0)  # (n, 1); its transpose sums over rows

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"weight": (self.n_in, self.n_out), "bias": (self.n_out,)}

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
             state: dict[str, np.ndarray]) -> None:
        self.weight, self.bias = params["weight"], params["bias"]
        self.grad_weight = grads["weight"]
        self.grad_bias = grads["bias"].reshape(1, -1)

    def initialize(self, rng: np.random.Generator) -> None:
        self.weight[...] = INITIALIZERS[self.initializer](self.n_in, self.n_out, rng)
        self.bias.fill(0.0)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if training:
            self._x = x
            out = np.matmul(x, self.weight, out=self._out.get(x.shape[0]))
        else:
            out = x @ self.weight
        out += self.bias
        return out

    def backward(self, delta: np.ndarray) -> np.ndarray:
        n = delta.shape[0]
        np.matmul(self._x.T, delta, out=self.grad_weight)
        # ones (1, n) @ delta: a BLAS call, ~3x faster than delta.sum(axis=0).
        np.matmul(self._ones.get(n).T, delta, out=self.grad_bias)
        if not self.needs_input_grad:
            return delta
        if self.n_out == 1:  # an outer product: broadcasting beats a k = 1 matmul twofold
            return np.multiply(delta, self.weight.T, out=self._dx.get(n))
        return np.matmul(delta, self.weight.T, out=self._dx.get(n))

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out})"


class BatchNorm(Layer):
    """Normalizes each unit over the batch while training, with running statistics
    at inference: (n, units) -> gamma * (x - mean) / sqrt(var + eps) + beta."""

    EPS = 1e-5
    MOMENTUM = 0.1  # weight of the newest batch in the running statistics (as PyTorch)

    def __init__(self, units: int, dtype: np.dtype) -> None:
        self.units = units
        self._out = _Buffers(units, dtype)
        self._xhat = _Buffers(units, dtype)
        self._dx = _Buffers(units, dtype)
        self._ones = _Buffers(1, dtype, fill=1.0)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"gamma": (self.units,), "beta": (self.units,)}

    def state_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"running_mean": (self.units,), "running_var": (self.units,)}

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
             state: dict[str, np.ndarray]) -> None:
        self.gamma, self.beta = params["gamma"], params["beta"]
        self.grad_gamma = grads["gamma"].reshape(1, -1)
        self.grad_beta = grads["beta"].reshape(1, -1)
        self.running_mean, self.running_var = state["running_mean"], state["running_var"]

    def initialize(self, rng: np.random.Generator) -> None:
        self.gamma.fill(1.0)
        self.beta.fill(0.0)
        self.running_mean.fill(0.0)
        self.running_var.fill(1.0)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if not training:
            scale = self.gamma / np.sqrt(self.running_var + self.EPS)
            return x * scale + (self.beta - self.running_mean * scale)
        n = x.shape[0]
        ones, out = self._ones.get(n).T, self._out.get(n)
        # Column means as ones @ x: a BLAS call, much faster than x.mean(axis=0) / x.var(axis=0).
        mean = np.matmul(ones, x)
        mean *= 1.0 / n
        xhat = np.subtract(x, mean, out=self._xhat.get(n))
        var = np.matmul(ones, np.square(xhat, out=out))  # ``out`` is free until the end
        var *= 1.0 / n
        self._inv_std = 1.0 / np.sqrt(var + self.EPS)
        xhat *= self._inv_std
        self._xhat_now = xhat
        # The running variance is the unbiased estimate, as PyTorch keeps it.
        m = self.MOMENTUM
        self.running_mean *= 1.0 - m
        self.running_mean += m * mean[0]
        self.running_var *= 1.0 - m
        self.running_var += (m * n / max(n - 1, 1)) * var[0]
        np.multiply(xhat, self.gamma, out=out)
        out += self.beta
        return out

    def backward(self, delta: np.ndarray) -> np.ndarray:
        n, xhat, dx = delta.shape[0], self._xhat_now, self._dx.get(delta.shape[0])
        ones = self._ones.get(n).T
        np.matmul(ones, delta, out=self.grad_beta)
        np.matmul(ones, np.multiply(delta, xhat, out=dx), out=self.grad_gamma)
        # dx = gamma / std * (delta - mean(delta) - xhat * mean(delta * xhat)),
        # where those means are grad_beta / n and grad_gamma / n.
        np.multiply(xhat, self.grad_gamma * (-1.0 / n), out=dx)
        dx += delta
        dx -= self.grad_beta * (1.0 / n)
        dx *= self.gamma * self._inv_std
        return dx

    def __repr__(self) -> str:
        return f"BatchNorm({self.units})"


class Activation(Layer):
    """f(x) elementwise (softmax: per row), (n, units) -> (n, units); computed in
    place over the input when the derivative needs only the output."""

    def __init__(self, name: str, units: int, dtype: np.dtype) -> None:
        if name not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}.")
        self.name = name
        self._function, self._derivative = ACTIVATIONS[name], DERIVATIVES[name]
        self._inplace = name in INPLACE
        self._out = _Buffers(units, dtype)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        out = x  # in place: the layer before never reads its own output in backward
        if not self._inplace:
            out = self._out.get(x.shape[0]) if training else np.empty_like(x)
        self._z = x
        self._a = self._function(x, out)
        return self._a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return self._derivative(self._z, self._a, delta)

    def __repr__(self) -> str:
        return self.name


class Dropout(Layer):
    """Zeroes each input with probability ``rate`` while training and scales the
    rest by 1 / (1 - rate), so inference needs no rescaling ("inverted" dropout)."""

    def __init__(self, rate: float, units: int, dtype: np.dtype) -> None:
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"A dropout rate must be at least 0 and below 1, not {rate}.")
        self.rate = rate
        self.rng = np.random.default_rng(0)  # fit() replaces it with the training seed's
        self._mask = _Buffers(units, dtype)
        self._out = _Buffers(units, dtype)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if not training or self.rate == 0.0:
            self._mask_now = None
            return x
        n = x.shape[0]
        mask = self.rng.random(out=self._mask.get(n), dtype=x.dtype)
        keep = mask >= self.rate
        np.multiply(keep, x.dtype.type(1.0 / (1.0 - self.rate)), out=mask)
        self._mask_now = mask
        # Not in place: the activation before us reads its output in backward.
        return np.multiply(x, mask, out=self._out.get(n))

    def backward(self, delta: np.ndarray) -> np.ndarray:
        if self._mask_now is not None:
            delta *= self._mask_now
        return delta

    def __repr__(self) -> str:
        return f"Dropout({self.rate:g})"
