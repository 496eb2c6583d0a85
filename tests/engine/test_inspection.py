"""The network snapshot against numbers computed by hand on tiny networks."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import build_mlp
from app.engine.inspection import inspect_network, unit_groups


def _tiny_relu_net():  # type: ignore[no-untyped-def]
    """2 inputs -> 3 ReLU units -> 1 linear output, with weights set by hand."""
    net = build_mlp(2, [{"units": 3, "activation": "relu"}], 1, output="linear")
    net.arrays["hidden0.dense.weight"][...] = [[1.0, -1.0, 0.5], [2.0, -1.0, -0.5]]
    net.arrays["hidden0.dense.bias"][...] = [0.0, -10.0, 0.0]
    net.arrays["output.dense.weight"][...] = [[1.0], [2.0], [-3.0]]
    net.arrays["output.dense.bias"][...] = [0.5]
    net.grads[...] = 0.0
    net.grads[:6] = [3.0, 0.0, 0.0, 0.0, 0.0, 4.0]  # the first layer's weight gradient
    return net


def test_norms_histogram_and_firing_match_hand_computed_values() -> None:
    net = _tiny_relu_net()
    probe = np.array([[1.0, 1.0], [-1.0, 0.0], [0.0, 2.0]], np.float32)
    snapshot = inspect_network(net, probe)
    first, output = snapshot["layers"]
    assert snapshot["probe_rows"] == 3
    assert first["weight_norm"] == pytest.approx(np.sqrt(1 + 1 + 0.25 + 4 + 1 + 0.25), rel=1e-3)
    assert first["grad_norm"] == pytest.approx(5.0, rel=1e-3)
    assert sum(first["histogram"]["counts"]) == 6
    # Pre-activations: unit 0 = [3, -1, 4] -> fires on 2 of 3 rows; unit 1 = x·(-1,-1) - 10 < 0
    # always -> dead; unit 2 = [0, -0.5, -1] -> never above 0 -> dead as well.
    groups = first["groups"]
    assert [g["fire_share"] for g in groups] == pytest.approx([2 / 3, 0.0, 0.0], rel=1e-3)
    assert [g["dead"] for g in groups] == [False, True, True]
    assert first["dead_share"] == pytest.approx(2 / 3, rel=1e-3)
    assert first["mean_activation"] == pytest.approx((3 + 0 + 4) / 9, rel=1e-3)
    assert groups[0]["mean_activation"] == pytest.approx(7 / 3, rel=1e-3)
    # Unit 0's incoming weights, strongest first: input 1 (2.0), then input 0 (1.0).
    assert groups[0]["incoming"] == [[1, 2.0], [0, 1.0]]
    assert output["name"] == "output" and output["units"] == 1
    assert output["weight_norm"] == pytest.approx(np.sqrt(14), rel=1e-3)


def test_a_network_built_to_have_dead_units_reports_them() -> None:
    net = build_mlp(4, [{"units": 10, "activation": "relu"}, {"units": 8, "activation": "relu"}], 2,
                    output="softmax", seed=3)
    net.arrays["hidden0.dense.bias"][:5] = -1e3  # half of layer 1 can never fire
    probe = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    layer1 = inspect_network(net, probe)["layers"][0]
    assert layer1["dead_share"] == pytest.approx(0.5)
    assert [g["dead"] for g in layer1["groups"]] == [True] * 5 + [False] * 5


def test_saturated_tanh_units_are_counted() -> None:
    net = build_mlp(1, [{"units": 4, "activation": "tanh"}], 1, output="sigmoid")
    net.arrays["hidden0.dense.weight"][...] = [[100.0, 100.0, 0.01, 0.01]]
    probe = np.linspace(-1, 1, 50, dtype=np.float32).reshape(-1, 1)
    probe = probe[np.abs(probe[:, 0]) > 0.1]
    layer = inspect_network(net, probe)["layers"][0]
    assert layer["saturated_share"] == pytest.approx(0.5)
    assert [g["saturated"] for g in layer["groups"]] == [True, True, False, False]


def test_wide_layers_are_shown_in_groups_and_inspection_changes_nothing() -> None:
    assert unit_groups(3) == [(0, 0), (1, 1), (2, 2)]
    groups = unit_groups(100, max_groups=32)
    assert len(groups) <= 32 and groups[0] == (0, 3) and groups[-1][1] == 99
    net = build_mlp(5, [{"units": 100, "activation": "relu", "batchnorm": True, "dropout": 0.5}], 3,
                    output="softmax")
    params, state = net.params.copy(), net.state.copy()
    probe = np.ones((8, 5), np.float32)
    before = net.predict(probe)
    snapshot = inspect_network(net, probe)
    assert len(snapshot["layers"][0]["groups"]) == len(groups)
    np.testing.assert_array_equal(net.params, params)
    np.testing.assert_array_equal(net.state, state)
    np.testing.assert_array_equal(net.predict(probe), before)


def test_without_a_probe_only_weights_are_described() -> None:
    snapshot = inspect_network(build_mlp(2, [{"units": 3}], 1), None)
    layer = snapshot["layers"][0]
    assert "dead_share" not in layer and "fire_share" not in layer["groups"][0]
    assert layer["weight_norm"] is not None
