"""Central-difference gradient checks, in float64, for every activation, loss and layer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from app.engine.activations import ACTIVATIONS, DERIVATIVES
from app.engine.losses import HUBER_DELTA, LOSSES, OUTPUT_OF_LOSS
from app.engine.network import Network

EPS = 1e-6


def numerical_gradient(f: Callable[[], float], x: np.ndarray) -> np.ndarray:
    """d f / d x by central differences, perturbing ``x`` in place."""
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + EPS
        plus = f()
        flat[i] = original - EPS
        minus = f()
        flat[i] = original
        flat_grad[i] = (plus - minus) / (2 * EPS)
    return grad


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    # Kinks (ReLU at 0) defeat finite differences; keep inputs clear of them.
    z = rng.uniform(0.2, 3.0, shape) * rng.choice([-1.0, 1.0], shape)
    return z


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_finite_differences(name: str) -> None:
    rng = np.random.default_rng(1)
    z = away_from_zero(rng, (4, 5))
    upstream = rng.standard_normal((4, 5))
    a = ACTIVATIONS[name](z.copy(), np.empty_like(z))

    def objective() -> float:
        return float((ACTIVATIONS[name](z, np.empty_like(z)) * upstream).sum())

    expected = numerical_gradient(objective, z)
    got = DERIVATIVES[name](z, a, upstream.copy())
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def targets_for(loss: str, rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, (n, 1)).astype(np.float64)
    if loss == "categorical_crossentropy":
        return rng.integers(0, k, n)
    return rng.standard_normal((n, k))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_loss_gradient_matches_finite_differences(loss: str, weighted: bool) -> None:
    rng = np.random.default_rng(2)
    k = {"binary_crossentropy": 1, "categorical_crossentropy": 4}.get(loss, 2)
    y = targets_for(loss, rng, 6, k)
    if loss in ("mae", "huber"):
        # Keep every residual clear of the kinks at 0 and at ±delta.
        outputs = y + rng.uniform(0.1, 0.4, y.shape) * rng.choice([-1.0, 1.0], y.shape)
        outputs[0, 0] = y[0, 0] + 2.5 * HUBER_DELTA  # one residual on the linear branch
    else:
        outputs = 3.0 * rng.standard_normal((6, k))
    weights = None
    if weighted and loss.endswith("crossentropy"):
        weights = rng.uniform(0.5, 3.0, max(k, 2))

    expected = numerical_gradient(lambda: LOSSES[loss](outputs, y, weights)[0], outputs)
    _, got = LOSSES[loss](outputs, y, weights)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)


def network_gradient_check(net: Network, loss: str, rng: np.random.Generator) -> None:
    X = rng.standard_normal((7, net.n_inputs))
    y = targets_for(loss, rng, 7, net.n_outputs)

    def objective() -> float:
        net.set_rng(np.random.default_rng(5))  # the same dropout masks on every pass
        return LOSSES[loss](net.forward(X, training=True), y, None)[0]

    objective()
    net.set_rng(np.random.default_rng(5))
    net.backward(LOSSES[loss](net.forward(X, training=True), y, None)[1])
    analytic = net.grads.copy()
    expected = numerical_gradient(objective, net.params)
    np.testing.assert_allclose(analytic, expected, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_network_gradient_through_every_activation(activation: str) -> None:
    hidden = [{"units": 5, "activation": activation}, {"units": 4, "activation": activation}]
    net = Network(3, hidden, 2, "linear", seed=3, dtype=np.float64)
    network_gradient_check(net, "mse", np.random.default_rng(4))


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_network_gradient_with_batchnorm_and_dropout_for_every_loss(loss: str) -> None:
    hidden = [{"units": 6, "activation": "tanh", "batchnorm": True, "dropout": 0.3},
              {"units": 5, "activation": "elu", "batchnorm": True}]
    n_outputs = 3 if loss == "categorical_crossentropy" else 1
    net = Network(4, hidden, n_outputs, OUTPUT_OF_LOSS[loss], seed=6, dtype=np.float64)
    network_gradient_check(net, loss, np.random.default_rng(7))


def test_gradient_check_covers_every_parameter() -> None:
    # All parameters receive a gradient: none is left out of the flat vector.
    net = Network(3, [{"units": 4, "batchnorm": True}], 2, "linear", seed=0, dtype=np.float64)
    assert net.n_parameters == (3 * 4 + 4) + (4 + 4) + (4 * 2 + 2)
    network_gradient_check(net, "mse", np.random.default_rng(8))
