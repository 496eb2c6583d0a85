"""Optimizer steps against the formulas written out by hand (PyTorch's conventions)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine.optimizers import OPTIMIZERS, SGD, Adam, AdamW, RMSprop, make_optimizer

STEPS = 4
LR = 0.1


def run(optimizer_factory, params: np.ndarray, grads: list[np.ndarray]) -> np.ndarray:  # type: ignore[no-untyped-def]
    params = params.copy()
    optimizer = optimizer_factory(params.size, params.dtype)
    for grad in grads:
        optimizer.step(params, grad.copy())
    return params


@pytest.fixture
def problem() -> tuple[np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    return rng.standard_normal(6), [rng.standard_normal(6) for _ in range(STEPS)]


def test_sgd(problem) -> None:  # type: ignore[no-untyped-def]
    p, grads = problem
    expected = p - LR * sum(grads)
    np.testing.assert_allclose(run(lambda n, d: SGD(n, d, LR), p, grads), expected)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_with_momentum(problem, nesterov: bool) -> None:  # type: ignore[no-untyped-def]
    p, grads = problem
    expected, velocity, mu = p.copy(), np.zeros_like(p), 0.9
    for g in grads:
        velocity = mu * velocity + g
        expected = expected - LR * ((g + mu * velocity) if nesterov else velocity)
    got = run(lambda n, d: SGD(n, d, LR, momentum=mu, nesterov=nesterov), p, grads)
    np.testing.assert_allclose(got, expected)


def test_rmsprop(problem) -> None:  # type: ignore[no-untyped-def]
    p, grads = problem
    expected, square, rho, eps = p.copy(), np.zeros_like(p), 0.99, 1e-8
    for g in grads:
        square = rho * square + (1 - rho) * g**2
        expected = expected - LR * g / (np.sqrt(square) + eps)
    np.testing.assert_allclose(run(lambda n, d: RMSprop(n, d, LR), p, grads), expected)


def adam_reference(p: np.ndarray, grads: list[np.ndarray], weight_decay: float = 0.0,
                   decoupled: bool = False, n_decayed: int = 0) -> np.ndarray:
    b1, b2, eps = 0.9, 0.999, 1e-8
    p, m, v = p.copy(), np.zeros_like(p), np.zeros_like(p)
    mask = np.arange(p.size) < n_decayed
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = np.where(mask, p * (1 - LR * weight_decay), p)
        else:
            g = g + weight_decay * p * mask
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p = p - LR * m_hat / (np.sqrt(v_hat) + eps)
    return p


def test_adam(problem) -> None:  # type: ignore[no-untyped-def]
    p, grads = problem
    np.testing.assert_allclose(run(lambda n, d: Adam(n, d, LR), p, grads), adam_reference(p, grads))


@pytest.mark.parametrize(("beta1", "beta2", "eps"), [(0.9, 0.999, 1e-8), (0.5, 0.9, 1e-3), (0.0, 0.0, 1e-8)])
def test_adam_equals_the_textbook_formula_over_many_steps(beta1: float, beta2: float, eps: float) -> None:
    """The folded, in-place update against Kingma & Ba's algorithm written out plainly,
    over enough steps for the bias corrections to fade, gradients of every scale."""
    rng = np.random.default_rng(2)
    p = rng.standard_normal(50)
    grads = [rng.standard_normal(50) * 10.0 ** rng.integers(-4, 3, 50) for _ in range(300)]
    optimizer = Adam(p.size, p.dtype, LR, beta1=beta1, beta2=beta2, eps=eps)
    got, expected, m, v = p.copy(), p.copy(), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        optimizer.step(got, g.copy())
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        expected = expected - LR * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=f"step {t}")


def test_adam_in_float32_stays_within_rounding_of_the_textbook_formula() -> None:
    rng = np.random.default_rng(3)
    p = rng.standard_normal(1000).astype(np.float32)
    grads = [rng.standard_normal(1000).astype(np.float32) for _ in range(100)]
    got = run(lambda n, d: Adam(n, d, LR), p, grads)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, adam_reference(p.astype(np.float64), [g.astype(np.float64) for g in grads]),
                               rtol=1e-5, atol=1e-5)


def test_adam_with_l2_weight_decay_on_the_weights_only(problem) -> None:  # type: ignore[no-untyped-def]
    p, grads = problem
    got = run(lambda n, d: Adam(n, d, LR, weight_decay=0.5, n_decayed=4), p, grads)
    np.testing.assert_allclose(got, adam_reference(p, grads, 0.5, n_decayed=4))
    assert not np.allclose(got, adam_reference(p, grads))


def test_adamw_decays_decoupled(problem) -> None:  # type: ignore[no-untyped-def]
    p, grads = problem
    got = run(lambda n, d: AdamW(n, d, LR, weight_decay=0.5, n_decayed=4), p, grads)
    np.testing.assert_allclose(got, adam_reference(p, grads, 0.5, decoupled=True, n_decayed=4))
    assert not np.allclose(got, adam_reference(p, grads, 0.5, n_decayed=4))


def test_sgd_l2_weight_decay(problem) -> None:  # type: ignore[no-untyped-def]
    p, grads = problem
    expected = p.copy()
    for g in grads:
        expected = expected - LR * (g + 0.1 * expected * (np.arange(6) < 3))
    got = run(lambda n, d: SGD(n, d, LR, weight_decay=0.1, n_decayed=3), p, grads)
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float32_in_float32_out(name: str) -> None:
    rng = np.random.default_rng(1)
    params = rng.standard_normal(10, dtype=np.float32)
    optimizer = make_optimizer(name, 10, np.dtype(np.float32), 1e-2, weight_decay=0.01, n_decayed=5)
    for _ in range(3):
        optimizer.step(params, rng.standard_normal(10, dtype=np.float32))
    assert params.dtype == np.float32
    states = [value for value in vars(optimizer).values()  # every number array; masks are no numbers
              if isinstance(value, np.ndarray) and value.dtype.kind != "b"]
    assert states and all(state.dtype == np.float32 for state in states)


def test_every_optimizer_descends_a_quadratic() -> None:
    for name in OPTIMIZERS:
        params = np.array([3.0, -2.0], np.float32)
        optimizer = make_optimizer(name, 2, np.dtype(np.float32), 0.05)
        for _ in range(300):
            optimizer.step(params, 2.0 * params)  # the gradient of |p|²
        assert math.hypot(*params) < 0.3, name


def test_unknown_optimizer_and_bad_rate_are_refused() -> None:
    with pytest.raises(ValueError, match="Unknown optimizer"):
        make_optimizer("adagrad", 2, np.dtype(np.float32), 0.1)
    with pytest.raises(ValueError, match="positive"):
        make_optimizer("adam", 2, np.dtype(np.float32), 0.0)


def _subnormal_count(array: np.ndarray) -> int:
    tiny = np.finfo(array.dtype).tiny
    return int(np.count_nonzero((array != 0) & (np.abs(array) < tiny)))


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "adam", "adamw"])
def test_moving_averages_of_dead_units_leave_no_subnormal_values(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weights whose gradient goes to zero (a dead ReLU) must not leave their moving averages
    to decay into subnormal numbers, which slow every later step; the parameters come out
    exactly as without the flush."""
    steps = 2_500
    # Gradients that stop: large, small and tiny ones, so that every average reaches the
    # subnormal range within the run (Adam's v, a square, gets there from 1e-17 squared).
    start = np.array([1.0, -3e-5, 1e-17, -2e-18, 0.5], np.float32)
    live = np.array([0, 0, 0, 0, 1], np.float32)  # the last weight keeps learning

    def train() -> tuple[np.ndarray, list[np.ndarray]]:
        params = np.full(start.size, 0.25, np.float32)
        optimizer = make_optimizer(name, params.size, params.dtype, 1e-3, weight_decay=0.0)
        for t in range(steps):
            optimizer.step(params, (start if t < 3 else start * live).copy())
        return params, [a for a in vars(optimizer).values() if isinstance(a, np.ndarray) and a.dtype.kind == "f"]

    params, averages = train()
    assert sum(_subnormal_count(average) for average in averages) == 0
    monkeypatch.setattr("app.engine.optimizers.FLUSH_EVERY", 10**9)
    unflushed_params, unflushed_averages = train()
    assert sum(_subnormal_count(average) for average in unflushed_averages) > 0  # the case is real
    np.testing.assert_array_equal(params, unflushed_params)
