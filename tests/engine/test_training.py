"""The training loop: it learns, it is reproducible, and it stops for the right reasons."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.engine import EpochReport, TrainingConfig, build_mlp, fit, training

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], np.float32)


def regression_data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)).astype(np.float32)
    return X, (X @ np.array([[2.0], [-1.0], [0.5]], np.float32) + 0.3).astype(np.float32)


def noisy_classes(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5)).astype(np.float32)
    y = (X[:, 0] + 0.8 * rng.standard_normal(n) > 0).astype(np.int64) + (X[:, 1] > 0.8)
    return X, y


def test_learns_xor() -> None:
    net = build_mlp(2, [{"units": 8, "activation": "tanh"}], 1, "sigmoid", seed=0)
    config = TrainingConfig(learning_rate=0.05, batch_size=4, epochs=500, early_stopping_patience=None)
    result = fit(net, XOR_X, XOR_Y, loss="binary_crossentropy", config=config)
    assert result.stop_reason == "completed" and len(result.history) == 500
    np.testing.assert_array_equal(net.predict(XOR_X) > 0.5, XOR_Y > 0.5)
    assert result.history[-1].train_metric == 1.0 and result.history[-1].train_loss < 0.1


def test_fits_a_linear_function_to_near_zero_error() -> None:
    X, y = regression_data()
    net = build_mlp(3, [], 1, "linear", seed=0)
    config = TrainingConfig(learning_rate=0.05, batch_size=32, epochs=60, early_stopping_patience=None)
    result = fit(net, X, y, X[:100], y[:100], loss="mse", config=config)
    assert result.history[-1].val_loss < 1e-6
    assert result.history[-1].val_metric == pytest.approx(1.0, abs=1e-6)  # R²
    np.testing.assert_allclose(net.arrays["output.dense.weight"].ravel(), [2.0, -1.0, 0.5], atol=1e-3)


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_robust_regression_losses_learn(loss: str) -> None:
    X, y = regression_data()
    net = build_mlp(3, [{"units": 16}], 1, "linear", seed=0)
    result = fit(net, X, y, X, y, loss=loss, config=TrainingConfig(learning_rate=0.01, epochs=40))
    assert result.history[-1].val_metric > 0.95


def test_epoch_reports() -> None:
    X, y = noisy_classes()
    net = build_mlp(5, [{"units": 16, "batchnorm": True, "dropout": 0.1}], 3, "softmax", seed=0)
    reports: list[EpochReport] = []
    result = fit(net, X[:200], y[:200], X[200:], y[200:], loss="categorical_crossentropy",
                 config=TrainingConfig(epochs=5, early_stopping_patience=None), on_epoch=reports.append)
    assert reports == result.history and [r.epoch for r in reports] == [1, 2, 3, 4, 5]
    for report in reports:
        assert all(isinstance(value, float) for value in
                   (report.train_loss, report.val_loss, report.train_metric, report.val_metric))
        assert 0.0 <= report.val_metric <= 1.0 and report.seconds > 0.0
    # The validation accuracy is that of the network's predictions.
    assert reports[-1].val_metric == pytest.approx(float(np.mean(net.predict(X[200:]).argmax(1) == y[200:])))
    assert reports[-1].train_loss < reports[0].train_loss


def test_same_seed_same_result() -> None:
    X, y = noisy_classes()

    def train(seed: int) -> tuple[np.ndarray, list[float]]:
        net = build_mlp(5, [{"units": 16, "dropout": 0.3, "batchnorm": True}], 3, "softmax", seed=seed)
        result = fit(net, X, y, X, y, loss="categorical_crossentropy",
                     config=TrainingConfig(epochs=4, seed=seed, batch_size=20))
        return net.params.copy(), [r.val_loss for r in result.history]

    first, again, other = train(1), train(1), train(2)
    np.testing.assert_array_equal(first[0], again[0])
    assert first[1] == again[1]
    assert not np.array_equal(first[0], other[0])


def test_dtype_stays_float32() -> None:
    X, y = regression_data()
    net = build_mlp(3, [{"units": 8, "activation": "gelu", "batchnorm": True, "dropout": 0.1}], 1)
    config = TrainingConfig(optimizer="adamw", weight_decay=0.01, schedule="cosine", clip_norm=1.0,
                            epochs=3)
    fit(net, X.astype(np.float64), y.astype(np.float64), loss="huber", config=config)
    assert net.params.dtype == net.grads.dtype == net.state.dtype == np.float32
    assert net.predict(X).dtype == np.float32


def test_divergence_stops_with_a_reason_and_keeps_finite_weights() -> None:
    X, y = regression_data()
    y = y * 1000.0
    net = build_mlp(3, [{"units": 32}, {"units": 32}], 1, "linear", seed=0)
    initial = net.params.copy()
    config = TrainingConfig(optimizer="sgd", learning_rate=10.0, batch_size=16, epochs=50)
    result = fit(net, X, y, X, y, loss="mse", config=config)
    assert result.stop_reason == "diverged" and result.history == [] and result.best_epoch == 0
    assert result.message == ("The gradients became infinite at epoch 1; "
                              "try a smaller learning rate or gradient clipping.")
    np.testing.assert_array_equal(net.params, initial)  # the last finite weights: the first ones
    assert np.isfinite(net.predict(X)).all()


def test_an_infinite_loss_is_named_and_the_weights_are_kept() -> None:
    X, y = regression_data(50)
    net = build_mlp(3, [], 1, "linear")
    net.params[:] = 1e30  # predictions of 1e30: their squared error overflows float32
    result = fit(net, X, y, loss="mse")
    assert result.stop_reason == "diverged" and result.best_epoch == 0 and result.history == []
    assert result.message == "The loss became infinite at epoch 1; try a smaller learning rate."
    assert (net.params == np.float32(1e30)).all()


def test_divergence_after_good_epochs_restores_the_best_of_them() -> None:
    X, y = regression_data()
    net = build_mlp(3, [{"units": 16}], 1, "linear", seed=0)
    snapshots: dict[int, np.ndarray] = {}
    # After three sensible epochs the step schedule multiplies the rate a millionfold.
    config = TrainingConfig(optimizer="sgd", learning_rate=0.01, schedule="step", step_size=3,
                            decay_factor=1e6, epochs=20, early_stopping_patience=None)
    result = fit(net, X, y, X, y, loss="mse", config=config,
                 on_epoch=lambda report: snapshots.__setitem__(report.epoch, net.params.copy()))
    assert result.stop_reason == "diverged" and len(result.history) >= 3
    assert f"at epoch {len(result.history) + 1};" in result.message
    assert result.best_epoch == 1 + int(np.argmin([r.val_loss for r in result.history]))
    np.testing.assert_array_equal(net.params, snapshots[result.best_epoch])


def test_early_stopping_restores_the_best_weights() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 10)).astype(np.float32)
    y = rng.standard_normal((40, 1)).astype(np.float32)  # pure noise: validation loss must rise
    X_val, y_val = X[:20] + 0.5, rng.standard_normal((20, 1)).astype(np.float32)
    net = build_mlp(10, [{"units": 64}, {"units": 64}], 1, "linear", seed=0)
    snapshots: dict[int, np.ndarray] = {}
    result = fit(net, X, y, X_val, y_val, loss="mse",
                 config=TrainingConfig(learning_rate=0.01, batch_size=8, epochs=300, early_stopping_patience=5),
                 on_epoch=lambda report: snapshots.__setitem__(report.epoch, net.params.copy()))
    val_losses = [r.val_loss for r in result.history]
    assert result.stop_reason == "early_stopping" and len(result.history) < 300
    assert result.best_epoch == 1 + int(np.argmin(val_losses))
    assert len(result.history) == result.best_epoch + 5
    np.testing.assert_array_equal(net.params, snapshots[result.best_epoch])
    assert f"kept the weights of epoch {result.best_epoch}" in result.message
    assert result.weights_restored and result.kept_epoch == result.best_epoch


def test_without_early_stopping_the_last_weights_stay() -> None:
    X, y = regression_data(100)
    net = build_mlp(3, [{"units": 4}], 1, seed=0)
    snapshots: list[np.ndarray] = []
    result = fit(net, X, y, X + 3, y, loss="mse", config=TrainingConfig(epochs=5, early_stopping_patience=None),
                 on_epoch=lambda report: snapshots.append(net.params.copy()))
    np.testing.assert_array_equal(net.params, snapshots[-1])
    # The weights held are the last epoch's, whichever epoch had the lowest loss.
    assert not result.weights_restored and result.kept_epoch == 5


def test_a_cancelled_run_without_early_stopping_keeps_its_last_epoch() -> None:
    X, y = regression_data(100)
    epochs: list[int] = []
    result = fit(build_mlp(3, [{"units": 4}], 1, seed=0), X, y, X, y, loss="mse",
                 config=TrainingConfig(epochs=50, early_stopping_patience=None),
                 on_epoch=lambda report: epochs.append(report.epoch), should_stop=lambda: len(epochs) >= 7)
    assert result.stop_reason == "cancelled" and result.kept_epoch == 7 and not result.weights_restored


def test_cancel_before_an_epoch() -> None:
    X, y = regression_data(100)
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) == 3

    result = fit(build_mlp(3, [], 1), X, y, loss="mse", config=TrainingConfig(epochs=10),
                 should_stop=should_stop)
    assert result.stop_reason == "cancelled" and len(result.history) == 2
    assert result.message == "Cancelled after epoch 2."


def test_cancel_within_a_long_epoch() -> None:
    X, y = regression_data(2000)
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) == 2  # the first check inside the epoch

    result = fit(build_mlp(3, [], 1), X, y, loss="mse", config=TrainingConfig(batch_size=1, epochs=1),
                 should_stop=should_stop)
    assert result.stop_reason == "cancelled" and result.history == []
    assert len(calls) == 2 and result.message == "Cancelled during epoch 1."


def test_cancel_is_polled_by_time_even_in_an_epoch_of_few_slow_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A huge network's epoch may hold fewer batches than the count between polls; the
    clock still polls every CANCEL_POLL_SECONDS (here each batch "takes" 0.1 s)."""
    X, y = regression_data(100)  # 100 batches of 1: never reaches the 256-batch poll
    ticks = itertools.count()
    monkeypatch.setattr(training, "_now", lambda: next(ticks) * 0.1)
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) == 2  # the first poll inside the epoch

    result = fit(build_mlp(3, [], 1), X, y, loss="mse", config=TrainingConfig(batch_size=1, epochs=1),
                 should_stop=should_stop)
    assert result.stop_reason == "cancelled" and result.history == []
    assert result.message == "Cancelled during epoch 1."


def test_class_weights_shift_predictions_toward_the_weighted_class() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 2)).astype(np.float32)
    y = (X[:, :1] + rng.standard_normal((400, 1)) > 1.0).astype(np.float32)  # ~24 % positives

    def positive_rate(weights: list[float] | None) -> float:
        net = build_mlp(2, [{"units": 8}], 1, "sigmoid", seed=0)
        fit(net, X, y, loss="binary_crossentropy",
            config=TrainingConfig(learning_rate=0.01, epochs=30, class_weights=weights))
        return float((net.predict(X) > 0.5).mean())

    assert positive_rate([1.0, 5.0]) > positive_rate(None) + 0.1


@pytest.mark.parametrize("schedule", ["step", "cosine", "plateau"])
def test_schedules_run(schedule: str) -> None:
    X, y = regression_data(100)
    result = fit(build_mlp(3, [{"units": 4}], 1), X, y, X, y, loss="mse",
                 config=TrainingConfig(schedule=schedule, epochs=6, step_size=2))
    assert result.stop_reason == "completed"


def test_the_schedule_sets_the_learning_rate_epoch_by_epoch() -> None:
    # A step schedule with factor 0 stops learning after step_size epochs exactly.
    X, y = regression_data(100)
    net = build_mlp(3, [{"units": 4}], 1)
    snapshots: list[np.ndarray] = []
    fit(net, X, y, loss="mse", on_epoch=lambda report: snapshots.append(net.params.copy()),
        config=TrainingConfig(schedule="step", step_size=2, decay_factor=0.0, epochs=5,
                              early_stopping_patience=None))
    assert not np.array_equal(snapshots[0], snapshots[1])
    for later in snapshots[2:]:
        np.testing.assert_array_equal(later, snapshots[1])


def test_gradient_clipping_bounds_the_step() -> None:
    X, y = regression_data(64)
    net = build_mlp(3, [{"units": 8}], 1)
    before = net.params.copy()
    # One full batch of plain SGD with rate 1: the step is minus the clipped gradient.
    fit(net, X, 100.0 * y, loss="mse",
        config=TrainingConfig(optimizer="sgd", learning_rate=1.0, batch_size=64, epochs=1, clip_norm=0.5))
    assert np.linalg.norm(net.params - before) == pytest.approx(0.5, rel=1e-4)


def test_float64_hyperparameters_do_not_upcast() -> None:
    X, y = regression_data(64)
    net = build_mlp(3, [{"units": 8, "batchnorm": True}], 1)
    config = TrainingConfig(learning_rate=np.float64(0.01), weight_decay=np.float64(0.1),
                            clip_norm=np.float64(1.0), epochs=2)
    fit(net, X, y, X, y, loss="mse", config=config)
    assert net.params.dtype == net.state.dtype == np.float32


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"loss": "categorical_crossentropy"}, "needs a softmax output"),
    ({"loss": "mse", "metric": "accuracy"}, "does not fit"),
    ({"loss": "hinge"}, "Unknown loss"),
    ({"loss": "mse", "config": TrainingConfig(batch_size=0)}, "batch size"),
    ({"loss": "mse", "config": TrainingConfig(class_weights=[1.0, 2.0])}, "classification only"),
])
def test_bad_requests_are_refused(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    X, y = regression_data(10)
    with pytest.raises(ValueError, match=message):
        fit(build_mlp(3, [], 1), X, y, **kwargs)


def test_bad_data_is_refused() -> None:
    X, y = regression_data(10)
    net = build_mlp(3, [], 1)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="missing or infinite"):
        fit(net, X, y, loss="mse")
    classifier = build_mlp(3, [], 3, "softmax")
    with pytest.raises(ValueError, match="between 0 and 2"):
        fit(classifier, np.ones((2, 3)), np.array([0, 3]), loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="2 rows of inputs but 3"):
        fit(classifier, np.ones((2, 3)), np.array([0, 1, 2]), loss="categorical_crossentropy")
