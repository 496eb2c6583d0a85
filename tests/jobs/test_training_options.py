"""Issue 11's training settings: class weights, early stopping on a task metric,
the log transform of the label, and the engine's knobs reached from a spec."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils.class_weight import compute_class_weight

from app.data.tasks import TaskError, label_codec_from_dict, make_label_codec
from app.engine import TrainingConfig, fit
from app.engine.losses import LOSSES, OUTPUT_OF_LOSS
from app.engine.monitoring import Score
from app.engine.network import Network
from app.jobs.pipeline import prepare_experiment, run_experiment, train_network
from app.jobs.training_options import balanced_class_weights, training_config
from app.specs import ExperimentSpec
from tests.engine.test_gradients import numerical_gradient


def _imbalanced(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    rare = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 0.6, rows)) > 1.6  # about 8 % of rows
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "bad": np.where(rare, "bad", "good")})


def _spec(label: str = "bad", **training: object) -> ExperimentSpec:
    return ExperimentSpec.model_validate({"dataset_id": 1, "label": label, "layers": [{"units": 8}],
                                          "training": {"epochs": 30, "seed": 1, **training}})


def test_balanced_weights_are_scikit_learns() -> None:
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 0])
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    np.testing.assert_allclose(balanced_class_weights(y, 3), expected)
    # binary targets come as (n, 1) floats; a class absent from training weighs 1
    np.testing.assert_allclose(balanced_class_weights(np.array([[0.0], [0.0], [0.0]]), 2), [1.0, 1.0])


@pytest.mark.parametrize("loss", ["binary_crossentropy", "categorical_crossentropy"])
def test_network_gradient_with_balanced_class_weights(loss: str) -> None:
    rng = np.random.default_rng(3)
    k = 3 if loss == "categorical_crossentropy" else 1
    net = Network(4, [{"units": 5, "activation": "tanh"}], k, OUTPUT_OF_LOSS[loss], seed=2, dtype=np.float64)
    X = rng.standard_normal((9, 4))
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2])[: 9] % max(k, 2)
    targets = y if k > 1 else y.reshape(-1, 1).astype(np.float64)
    weights = np.asarray(balanced_class_weights(targets, max(k, 2)))
    assert weights.max() > 1.5  # the rare class really weighs more

    def objective() -> float:
        return LOSSES[loss](net.forward(X, training=True), targets, weights)[0]

    net.backward(LOSSES[loss](net.forward(X, training=True), targets, weights)[1])
    analytic = net.grads.copy()
    np.testing.assert_allclose(analytic, numerical_gradient(objective, net.params), rtol=1e-5, atol=1e-8)


def test_balanced_weights_reach_the_engine_and_help_the_rare_class() -> None:
    frame = _imbalanced()
    spec = _spec(class_weight="balanced", epochs=60)
    prepared = prepare_experiment(frame, spec)
    config = training_config(spec, "binary", prepared.y["train"], 2)
    share = float(prepared.y["train"].mean())
    assert config.class_weights == pytest.approx([0.5 / (1 - share), 0.5 / share])

    def balanced(settings: ExperimentSpec) -> float:
        net, _ = train_network(prepared, settings)
        truth = prepared.y["test"].ravel()
        return float(balanced_accuracy_score(truth, net.predict(prepared.X["test"]).ravel() > 0.5))

    assert balanced(spec) > balanced(_spec(epochs=60)) + 0.02


def test_best_epoch_follows_the_early_stopping_score() -> None:
    # The validation score peaks at epoch 2 whatever the loss does; patience 3 stops at 5.
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 2)), rng.standard_normal((40, 1))
    X_val, y_val = rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    sequence = iter([0.1, 0.5, 0.3, 0.2, 0.4, 0.9])

    def made_up(outputs: np.ndarray, targets: np.ndarray) -> float:
        return next(sequence) if len(targets) == 10 else 0.0

    net = Network(2, [{"units": 4}], 1, "linear", seed=0)
    result = fit(net, X, y, X_val, y_val, loss="mse", config=TrainingConfig(epochs=20, early_stopping_patience=3),
                 score=Score("made_up", made_up))
    assert result.best_epoch == 2 and len(result.history) == 5
    assert [r.val_metric for r in result.history] == [0.1, 0.5, 0.3, 0.2, 0.4]
    assert [r.improved for r in result.history] == [True, True, False, False, False]
    assert "validation made_up" in result.message


def test_lower_is_better_scores_keep_the_smallest() -> None:
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((30, 2)), rng.standard_normal((30, 1))
    sequence = iter([3.0, 2.0, 2.5, 1.0, 4.0, 4.0, 4.0])

    def error(outputs: np.ndarray, targets: np.ndarray) -> float:
        return next(sequence) if len(targets) == 8 else 0.0

    result = fit(Network(2, [{"units": 3}], 1, "linear", seed=0), X, y, X[:8], y[:8], loss="mse",
                 config=TrainingConfig(epochs=7, early_stopping_patience=3), score=Score("mae", error, False))
    assert result.best_epoch == 4


def test_pipeline_stops_on_the_chosen_metric_and_reports_it() -> None:
    outcome = run_experiment(_imbalanced(), _spec(early_stopping_metric="balanced_accuracy", epochs=25),
                             importance_repeats=1)
    history = outcome.training.history
    validation = [r.val_metric for r in history]
    assert outcome.training.best_epoch == 1 + int(np.argmax(validation))
    assert all(0.0 <= value <= 1.0 for value in validation)
    # The reported metric is the kept weights' balanced accuracy on the validation rows at the
    # threshold chosen there to maximise it, so never below the 0.5-threshold figure training saw.
    assert outcome.metrics["validation"]["balanced_accuracy"] >= max(validation) - 1e-9


def test_log_transform_round_trips_in_original_units() -> None:
    prices = pd.Series([0.0, 1.0, 9.5, 120.0, 3_400.0, 1.1e6])
    codec = make_label_codec("regression", "log").fit(prices)
    encoded = codec.encode(prices)
    assert abs(float(encoded.mean())) < 1e-6 and encoded.std() == pytest.approx(1.0, rel=1e-5)
    restored = label_codec_from_dict(codec.to_dict())
    np.testing.assert_allclose(restored.decode(encoded), prices.to_numpy(), rtol=1e-5, atol=1e-5)
    assert codec.to_dict()["transform"] == "log"
    # models saved before the transform existed read as "none"
    legacy = {k: v for k, v in make_label_codec("regression").fit(prices).to_dict().items() if k != "transform"}
    assert label_codec_from_dict(legacy).decode(np.zeros((1, 1)))[0] == pytest.approx(prices.mean())
    with pytest.raises(TaskError, match="0 or more"):
        make_label_codec("regression", "log").fit(pd.Series([1.0, -2.0]))


def test_log_transform_predicts_in_original_units() -> None:
    rng = np.random.default_rng(4)
    size = rng.uniform(20, 200, 300)
    frame = pd.DataFrame({"size": size, "price": np.round(np.exp(np.log(size) * 1.5 + rng.normal(0, 0.1, 300)), 2)})
    spec = _spec("price", target_transform="log", epochs=100, learning_rate=0.01)
    outcome = run_experiment(frame, spec, importance_repeats=1)
    predicted = outcome.predictions["predicted"].to_numpy(dtype=float)
    assert predicted.min() > 0 and outcome.metrics["test"]["r2"] > 0.8


def test_engine_knobs_reach_the_engine() -> None:
    spec = _spec("price", schedule="cosine", regression_loss="huber", initializer="glorot_normal", clip_norm=1.5)
    config = training_config(spec)
    assert (config.schedule, config.clip_norm) == ("cosine", 1.5)
    size = np.arange(200.0) / 4  # not all whole numbers: 200 distinct whole numbers would read as an ID
    frame = pd.DataFrame({"size": size, "price": size * 2 + 1})
    prepared = prepare_experiment(frame, spec)
    assert prepared.pipeline.loss == "huber"
    net, _ = train_network(prepared, spec)
    assert all(layer["initializer"] == "glorot_normal" for layer in net.hidden)


def test_settings_for_the_other_task_are_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="needs a regression task"):
        prepare_experiment(_imbalanced(), _spec(early_stopping_metric="r2"))
    with pytest.raises(ValueError, match="regression only"):
        prepare_experiment(_imbalanced(), _spec(target_transform="log"))
