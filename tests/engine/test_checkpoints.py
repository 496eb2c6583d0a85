"""Resuming from a checkpoint gives what an uninterrupted run gives: the same weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.engine import TrainingConfig, build_mlp, fit, load_model, save_model
from app.engine.checkpoints import OPTIMIZER_FILE, load_checkpoint, save_checkpoint

HIDDEN = [{"units": 8, "activation": "relu", "dropout": 0.2, "batchnorm": True}, {"units": 4, "activation": "tanh"}]


def _data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(90, 5)).astype(np.float32)
    y = (X[:, :1] + X[:, 1:2] > 0).astype(np.float32)
    return X[:70], y[:70], X[70:], y[70:]


def _train(epochs: int, optimizer: str, net=None, resume=None):  # type: ignore[no-untyped-def]
    net = net or build_mlp(5, HIDDEN, 1, "sigmoid", seed=1)
    config = TrainingConfig(optimizer=optimizer, epochs=epochs, batch_size=16, learning_rate=0.01,
                            early_stopping_patience=None, seed=4)
    return net, fit(net, *_data(), loss="binary_crossentropy", config=config, resume=resume)


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "rmsprop", "sgd"])
def test_resumed_training_equals_an_uninterrupted_run(optimizer: str, tmp_path: Path) -> None:
    whole, whole_result = _train(10, optimizer)
    first, first_result = _train(4, optimizer)
    assert first_result.checkpoint is not None and first_result.checkpoint.epoch == 4
    # Through the files a finished experiment keeps: weights, optimizer.npz, checkpoint.json.
    config, weights = save_model(first)
    save_checkpoint(first_result.checkpoint, tmp_path)
    with np.load(tmp_path / OPTIMIZER_FILE, allow_pickle=False) as archive:
        assert archive.files  # plain arrays, no pickle
    resumed, resumed_result = _train(6, optimizer, load_model(config, weights), load_checkpoint(tmp_path))
    assert [r.epoch for r in resumed_result.history] == [5, 6, 7, 8, 9, 10]
    np.testing.assert_array_equal(resumed.params, whole.params)
    np.testing.assert_array_equal(resumed.state, whole.state)
    assert [r.train_loss for r in resumed_result.history] == [r.train_loss for r in whole_result.history[4:]]


def test_early_stopping_keeps_the_checkpoint_of_the_kept_weights() -> None:
    net = build_mlp(5, HIDDEN, 1, "sigmoid", seed=1)
    config = TrainingConfig(epochs=60, batch_size=16, learning_rate=0.05, early_stopping_patience=3, seed=4)
    result = fit(net, *_data(), loss="binary_crossentropy", config=config)
    assert result.stop_reason == "early_stopping" and result.checkpoint is not None
    assert result.checkpoint.epoch == result.best_epoch < len(result.history)
