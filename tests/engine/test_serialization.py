"""Save → load gives the same network: bytes, directories, and no pickle."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from app.engine import TrainingConfig, build_mlp, fit, load_model, load_model_dir, save_model, save_model_dir


def trained_network():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4)).astype(np.float32)
    y = (X[:, 0] > X[:, 1]).astype(np.int64) + (X[:, 2] > 1)
    net = build_mlp(4, [{"units": 8, "batchnorm": True, "dropout": 0.2}, {"units": 6, "activation": "elu"}],
                    3, "softmax", seed=1)
    fit(net, X, y, loss="categorical_crossentropy", config=TrainingConfig(epochs=3, batch_size=16))
    return net, X


def test_bytes_round_trip_predicts_identically() -> None:
    net, X = trained_network()
    config, weights = save_model(net)
    config = json.loads(json.dumps(config))  # the architecture is plain JSON
    loaded = load_model(config, weights)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    np.testing.assert_array_equal(loaded.state, net.state)  # batch-norm running statistics too
    assert loaded.state.any()


def test_directory_round_trip(tmp_path: Path) -> None:
    net, X = trained_network()
    save_model_dir(net, tmp_path / "model")
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["model.json", "weights.npz"]
    np.testing.assert_array_equal(load_model_dir(tmp_path / "model").predict(X), net.predict(X))


def test_weights_are_plain_named_arrays() -> None:
    net, _ = trained_network()
    _, weights = save_model(net)
    with np.load(io.BytesIO(weights), allow_pickle=False) as archive:
        assert "hidden0.dense.weight" in archive.files
        assert "hidden0.batchnorm.running_var" in archive.files
        assert archive["output.dense.weight"].shape == (6, 3)
        assert all(archive[name].dtype == np.float32 for name in archive.files)


def test_weights_of_another_architecture_are_refused() -> None:
    net, _ = trained_network()
    config, _ = save_model(net)
    _, other = save_model(build_mlp(4, [{"units": 9}], 3, "softmax"))
    with pytest.raises(ValueError):
        load_model(config, other)
    with pytest.raises(ValueError, match="model description"):
        load_model({"kind": "something else"}, other)
