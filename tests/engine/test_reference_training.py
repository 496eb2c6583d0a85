"""fit() against two plain implementations of the same training, so that speed work on
the training loop cannot change what it computes:

- the engine's own pieces composed the obvious way (fancy-index shuffle, forward,
  loss, argmax accuracy, backward, optimizer step): equal bit for bit;
- a from-scratch float64 MLP with textbook softmax cross-entropy, backpropagation
  and Adam: equal within float32 rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import TrainingConfig, build_mlp, fit
from app.engine.losses import LOSSES
from app.engine.network import Network
from app.engine.optimizers import Adam

HIDDEN = [{"units": 12}, {"units": 9}]
CLASSES = 4
EPOCHS = 3
BATCH = 16  # 100 rows: six full batches and a short one
LR = 0.01


def problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    X = rng.standard_normal((100, 6), dtype=np.float32)
    y = (X @ rng.standard_normal((6, CLASSES), dtype=np.float32)).argmax(axis=1)
    return X, y


def train_with_fit(X: np.ndarray, y: np.ndarray) -> tuple[Network, list[tuple[float, float]]]:
    net = build_mlp(X.shape[1], HIDDEN, CLASSES, "softmax", seed=3)
    config = TrainingConfig(learning_rate=LR, batch_size=BATCH, epochs=EPOCHS, seed=7,
                            early_stopping_patience=None)
    result = fit(net, X, y, loss="categorical_crossentropy", config=config)
    return net, [(report.train_loss, report.train_metric) for report in result.history]


def train_plainly(X: np.ndarray, y: np.ndarray) -> tuple[Network, list[tuple[float, float]]]:
    """The training loop with nothing fused or preallocated: what fit() must equal."""
    net = build_mlp(X.shape[1], HIDDEN, CLASSES, "softmax", seed=3)
    rng = np.random.default_rng(7)
    adam = Adam(net.n_parameters, net.dtype, LR)
    history = []
    for _ in range(EPOCHS):
        order = rng.permutation(len(X))
        X_epoch, y_epoch = X[order], y[order]
        total, correct = 0.0, 0
        for start in range(0, len(X), BATCH):
            xb, yb = X_epoch[start:start + BATCH], y_epoch[start:start + BATCH]
            logits = net.forward(xb, training=True)
            correct += int((logits.argmax(axis=1) == yb).sum())
            loss, delta = LOSSES["categorical_crossentropy"](logits, yb, None)
            total += loss * len(xb)
            net.backward(delta)
            adam.step(net.params, net.grads)
        history.append((total / len(X), correct / len(X)))
    return net, history


def train_from_scratch(X: np.ndarray, y: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
    """Float64, textbook formulas, the same initial weights and batches as fit()."""
    start = build_mlp(X.shape[1], HIDDEN, CLASSES, "softmax", seed=3)
    names = ["hidden0.dense", "hidden1.dense", "output.dense"]
    params = [start.arrays[f"{name}.{kind}"].astype(np.float64) for name in names
              for kind in ("weight", "bias")]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    rng, t, losses = np.random.default_rng(7), 0, []
    for _ in range(EPOCHS):
        order = rng.permutation(len(X))
        total = 0.0
        for begin in range(0, len(X), BATCH):
            rows = order[begin:begin + BATCH]
            xb, yb = X[rows].astype(np.float64), y[rows]
            inputs, h = [], xb
            for i in range(3):
                inputs.append(h)
                h = h @ params[2 * i] + params[2 * i + 1]
                if i < 2:
                    h = np.maximum(h, 0.0)
            probabilities = np.exp(h - h.max(axis=1, keepdims=True))
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            total += -np.log(probabilities[np.arange(len(yb)), yb]).sum()
            delta = probabilities
            delta[np.arange(len(yb)), yb] -= 1.0
            delta /= len(yb)
            grads: list[np.ndarray] = [np.empty(0)] * 6
            for i in reversed(range(3)):
                grads[2 * i], grads[2 * i + 1] = inputs[i].T @ delta, delta.sum(axis=0)
                delta = (delta @ params[2 * i].T) * (inputs[i] > 0.0)
            t += 1
            for p, g, mp, vp in zip(params, grads, m, v, strict=True):
                mp[...] = 0.9 * mp + 0.1 * g
                vp[...] = 0.999 * vp + 0.001 * g * g
                p -= LR * (mp / (1 - 0.9**t)) / (np.sqrt(vp / (1 - 0.999**t)) + 1e-8)
        losses.append(total / len(X))
    return params, losses


def test_fit_equals_the_plain_training_loop_bit_for_bit() -> None:
    X, y = problem()
    fitted, history = train_with_fit(X, y)
    plain, expected = train_plainly(X, y)
    assert history == expected
    np.testing.assert_array_equal(fitted.params, plain.params)


def test_fit_matches_a_from_scratch_float64_reference() -> None:
    X, y = problem()
    fitted, history = train_with_fit(X, y)
    params, losses = train_from_scratch(X, y)
    assert [loss for loss, _ in history] == pytest.approx(losses, rel=1e-5)
    names = ["hidden0.dense", "hidden1.dense", "output.dense"]
    ours = [fitted.arrays[f"{name}.{kind}"] for name in names for kind in ("weight", "bias")]
    for got, expected in zip(ours, params, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
