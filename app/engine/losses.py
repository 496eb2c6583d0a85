"""Loss functions, each returning the mean loss and its gradient in one pass.

``LOSSES[name](output, y, class_weights)`` -> (loss as a Python float, d loss / d output).

output: (n, k) — the logits for the cross-entropies (the sigmoid / softmax is
fused into the loss, which is both cheaper and numerically stable), the
predictions for the regression losses.
y: binary (n, 1) 0/1; categorical (n,) integer class indices; regression (n, k).
class_weights: optional (n_classes,) array of the output's dtype; each sample's
loss is multiplied by its class's weight and the mean is taken over samples
(as Keras does), so weights of 1 change nothing. Regression has no classes and
ignores them. Means are taken as sum / count: ``ndarray.mean`` costs several
microseconds of Python per call, which shows on small batches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from app.engine.activations import row_max, row_starts, row_sum

Loss = Callable[[np.ndarray, np.ndarray, np.ndarray | None], tuple[float, np.ndarray]]

HUBER_DELTA = 1.0


def binary_crossentropy(
    logits: np.ndarray, y: np.ndarray, class_weights: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    # -y log s(z) - (1-y) log(1-s(z)) = log(1 + e^z) - y z, with log(1 + e^z)
    # computed by logaddexp so that no exp overflows.
    losses = np.logaddexp(0.0, logits)
    grad = np.exp(logits - losses)  # sigmoid(z) = e^(z - log(1 + e^z)), stable
    losses -= y * logits
    grad -= y
    if class_weights is not None:
        weights = class_weights[(y > 0.5).astype(np.intp)]
        losses *= weights
        grad *= weights
    grad *= 1.0 / losses.size
    return float(losses.sum()) / losses.size, grad


def categorical_crossentropy(
    logits: np.ndarray, y: np.ndarray, class_weights: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    # -log softmax(z)[y] = log sum e^(z - max) - (z - max)[y]; the shift keeps exp in range.
    n, k = logits.shape
    shifted = logits - row_max(logits)
    grad = np.exp(shifted)
    sums = row_sum(grad)
    targets = row_starts(n, k) + y  # flat positions of the true classes: take is fast
    losses = np.log(sums[:, 0]) - shifted.reshape(-1).take(targets)
    grad /= sums
    grad.reshape(-1)[targets] -= 1.0
    if class_weights is not None:
        weights = class_weights[y]
        losses *= weights
        grad *= weights[:, None]
    grad *= 1.0 / n
    return float(losses.sum()) / n, grad


def mse(
    predictions: np.ndarray, y: np.ndarray, class_weights: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    diff = predictions - y
    loss = float(np.vdot(diff, diff)) / diff.size
    diff *= 2.0 / diff.size
    return loss, diff


def mae(
    predictions: np.ndarray, y: np.ndarray, class_weights: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    diff = predictions - y
    loss = float(np.abs(diff).sum()) / diff.size
    grad = np.sign(diff)
    grad *= 1.0 / diff.size
    return loss, grad


def huber(
    predictions: np.ndarray, y: np.ndarray, class_weights: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    # Quadratic within HUBER_DELTA of the target, linear beyond: MSE's smoothness
    # near the answer, MAE's robustness to outliers.
    diff = predictions - y
    clipped = np.clip(diff, -HUBER_DELTA, HUBER_DELTA)
    # 0.5 c^2 + delta (|d| - |c|) equals both branches of the usual definition.
    losses = 0.5 * clipped * clipped
    losses += HUBER_DELTA * (np.abs(diff) - np.abs(clipped))
    clipped *= 1.0 / diff.size
    return float(losses.sum()) / diff.size, clipped


LOSSES: dict[str, Loss] = {
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "mse": mse,
    "mae": mae,
    "huber": huber,
}

# The output activation each loss expects the network to end with.
OUTPUT_OF_LOSS: dict[str, str] = {
    "binary_crossentropy": "sigmoid",
    "categorical_crossentropy": "softmax",
    "mse": "linear",
    "mae": "linear",
    "huber": "linear",
}
