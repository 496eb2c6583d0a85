"""The network: construction, shapes, dtype, layers' modes, configuration."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import Network, build_mlp
from app.engine.activations import ACTIVATIONS
from app.engine.layers import BatchNorm, Dropout


def test_shapes_dtype_and_repr() -> None:
    net = build_mlp(5, [{"units": 8, "batchnorm": True, "dropout": 0.2}, {"units": 4, "activation": "tanh"}],
                    3, "softmax")
    X = np.random.default_rng(0).standard_normal((11, 5))  # float64 in, float32 out
    probabilities = net.predict(X)
    assert probabilities.shape == (11, 3) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert net.n_parameters == (5 * 8 + 8) + 2 * 8 + (8 * 4 + 4) + (4 * 3 + 3)
    assert repr(net) == ("Network(5 → Dense(5, 8) → BatchNorm(8) → relu → Dropout(0.2) → Dense(8, 4)"
                         " → tanh → Dense(4, 3) → softmax; 115 parameters)")


@pytest.mark.parametrize("output", ["sigmoid", "linear"])
def test_outputs(output: str) -> None:
    net = build_mlp(2, [], 1, output, seed=1)
    X = np.array([[1.0, -2.0], [0.5, 0.5]], np.float32)
    logits = X @ net.arrays["output.dense.weight"] + net.arrays["output.dense.bias"]
    expected = 1 / (1 + np.exp(-logits)) if output == "sigmoid" else logits
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-6)


def test_every_activation_keeps_float32() -> None:
    for name in ACTIVATIONS:
        net = build_mlp(3, [{"units": 4, "activation": name, "batchnorm": True}], 2, "linear")
        out = net.forward(np.ones((2, 3), np.float32), training=True)
        assert out.dtype == np.float32 and net.predict(np.ones((2, 3))).dtype == np.float32, name
    assert net.params.dtype == net.grads.dtype == net.state.dtype == np.float32


def test_seed_decides_the_initial_weights() -> None:
    hidden = [{"units": 16}, {"units": 8, "activation": "tanh"}]
    first, again, other = (build_mlp(4, hidden, 1, seed=s).params for s in (7, 7, 8))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_he_initialization_scale() -> None:
    weight = build_mlp(400, [{"units": 300}], 1).arrays["hidden0.dense.weight"]
    # He uniform: U(-sqrt(6 / fan_in), +sqrt(6 / fan_in)), variance 2 / fan_in.
    assert np.abs(weight).max() <= np.sqrt(6 / 400)
    assert weight.var() == pytest.approx(2 / 400, rel=0.05)


def test_weights_come_first_in_the_flat_vector() -> None:
    net = build_mlp(3, [{"units": 4, "batchnorm": True}], 2)
    assert net.n_decayed == 3 * 4 + 4 * 2
    decayed = net.params[: net.n_decayed]
    for name, array in net.arrays.items():
        inside = np.shares_memory(array, decayed)
        assert inside == name.endswith(".weight"), name


def test_batchnorm_uses_batch_statistics_in_training_and_running_ones_after() -> None:
    bn = build_mlp(2, [{"units": 3, "batchnorm": True}], 1).layers[1]
    assert isinstance(bn, BatchNorm)
    x = np.random.default_rng(0).normal(5.0, 2.0, (64, 3)).astype(np.float32)
    out = bn.forward(x, training=True)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1), rtol=1e-5)
    inference = bn.forward(x, training=False)
    expected = (x - bn.running_mean) / np.sqrt(bn.running_var + BatchNorm.EPS)
    np.testing.assert_allclose(inference, expected, rtol=1e-5)


def test_dropout_zeroes_and_rescales_while_training_only() -> None:
    dropout = Dropout(0.25, 1000, np.dtype(np.float32))
    x = np.ones((40, 1000), np.float32)
    out = dropout.forward(x, training=True)
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert (out == 0).mean() == pytest.approx(0.25, abs=0.01)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(dropout.forward(x, training=False), x)


def test_predict_in_chunks_equals_the_formula() -> None:
    net = build_mlp(3, [{"units": 5, "activation": "tanh"}], 2, "linear", seed=2)
    X = np.random.default_rng(0).standard_normal((20_000, 3)).astype(np.float32)  # > one chunk
    hidden = np.tanh(X @ net.arrays["hidden0.dense.weight"] + net.arrays["hidden0.dense.bias"])
    expected = hidden @ net.arrays["output.dense.weight"] + net.arrays["output.dense.bias"]
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-5, atol=1e-6)


def test_batchnorm_survives_a_last_batch_of_one_row() -> None:
    from app.engine import TrainingConfig, fit

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((33, 3)), rng.standard_normal((33, 1))
    net = build_mlp(3, [{"units": 4, "batchnorm": True}], 1)
    result = fit(net, X, y, loss="mse", config=TrainingConfig(batch_size=32, epochs=3))
    assert result.stop_reason == "completed"
    assert np.isfinite(net.params).all() and np.isfinite(net.state).all()


def test_config_round_trip() -> None:
    net = build_mlp(4, [{"units": 6, "activation": "gelu", "dropout": 0.1, "batchnorm": True}], 3,
                    "softmax")
    config = net.to_config()
    assert config["hidden"][0] == {"units": 6, "activation": "gelu", "dropout": 0.1,
                                   "batchnorm": True, "initializer": "he_uniform"}
    rebuilt = Network.from_config(config)
    assert repr(rebuilt) == repr(net)


@pytest.mark.parametrize(("hidden", "output", "message"), [
    ([{"units": 0}], "linear", "units"),
    ([{"units": 4, "activation": "swish"}], "linear", "activation"),
    ([{"units": 4, "colour": "red"}], "linear", "unknown settings"),
    ([{"units": 4, "dropout": 1.0}], "linear", "dropout"),
    ([{"units": 4, "dropout": -0.1}], "linear", "dropout"),
    ([], "relu", "output activation"),
])
def test_bad_architectures_are_refused(hidden: list, output: str, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        build_mlp(3, hidden, 1, output)


def test_inputs_of_the_wrong_width_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        build_mlp(3, [], 1).predict(np.ones((2, 4)))
