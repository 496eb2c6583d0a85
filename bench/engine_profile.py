"""Where a reference minibatch's time goes, measured in place: the training step whole,
and with one part left out at a time (the network's other work unchanged, so a part
is charged the cache misses it causes too).

The variants take turns, a few steps each from the same weights, over many rounds
(leaving the loss out trains on a fixed gradient, which would soon drive the weights
to sizes where the arithmetic slows down); each round's time is
divided by the whole step's in the same round, and the median of those ratios is
kept, so that a shared machine's load falls on every variant alike. Times are the
thread's CPU time. A part's share is 1 - (ratio without it).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from app.engine import Network
from app.engine.layers import Activation, Dense
from app.engine.losses import categorical_crossentropy
from app.engine.metrics import RunningMetric
from app.engine.optimizers import Adam

# Each variant leaves out these parts; "matrix products" keeps only the Dense layers.
VARIANTS: dict[str, frozenset[str]] = {
    "whole step": frozenset(),
    "Adam update": frozenset({"adam"}),
    "ReLU forward and backward": frozenset({"relu"}),
    "loss and accuracy": frozenset({"loss"}),
    "gradient norm": frozenset({"norm"}),
    "matrix products (with bias)": frozenset({"adam", "relu", "loss", "norm"}),
}


def _step(net: Network, adam: Adam, metric: RunningMetric, xb: np.ndarray, yb: np.ndarray,
          skip: frozenset[str], fixed_delta: np.ndarray) -> None:
    layers = [layer for layer in net.layers
              if not ("relu" in skip and isinstance(layer, Activation))]
    h = xb
    for layer in layers:
        h = layer.forward(h, True)
    delta = fixed_delta  # without the loss, a gradient of the same size as the loss's
    if "loss" not in skip:
        delta = categorical_crossentropy(h, yb)[1]
        metric.add(h, yb)
    for layer in reversed(layers):
        delta = layer.backward(delta)
    if "norm" not in skip:
        float(np.dot(net.grads, net.grads))
    if "adam" not in skip:
        adam.step(net.params, net.grads)


def step_shares(net: Network, X: np.ndarray, y: np.ndarray, batch_size: int,
                rounds: int = 30, steps: int = 10) -> tuple[float, dict[str, float]]:
    """The whole step's median CPU seconds and, per part, its share of the step.
    ``net`` is a Dense/ReLU network ending in logits for categorical targets ``y``."""
    assert all(isinstance(layer, Dense | Activation) for layer in net.layers)
    initial, metric = net.params.copy(), RunningMetric("accuracy", y)
    fixed_delta = categorical_crossentropy(net.forward(X[:batch_size], True), y[:batch_size])[1].copy()
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    starts = range(0, len(X) - batch_size * steps, batch_size * steps)
    with np.errstate(all="ignore"):
        for round_ in range(rounds):
            first = starts[round_ % len(starts)]
            for name, skip in VARIANTS.items():
                np.copyto(net.params, initial)  # every turn trains from the same weights
                adam = Adam(net.n_parameters, net.dtype, 1e-3)
                started = time.thread_time()
                for begin in range(first, first + batch_size * steps, batch_size):
                    _step(net, adam, metric, X[begin:begin + batch_size], y[begin:begin + batch_size],
                          skip, fixed_delta)
                samples[name].append((time.thread_time() - started) / steps)
    whole = samples["whole step"]
    ratios = {name: statistics.median(a / b for a, b in zip(times, whole, strict=True))
              for name, times in samples.items() if name != "whole step"}
    shares = {name: 1.0 - ratio for name, ratio in ratios.items()}
    shares["matrix products (with bias)"] = ratios["matrix products (with bias)"]
    return statistics.median(whole), shares
