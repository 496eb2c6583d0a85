"""The pipeline from a table and a spec to a trained network, metrics and predictions."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from app.engine import load_model, save_model
from app.jobs.defaults import propose_layers, propose_training
from app.jobs.pipeline import FittedPipeline, prepare_experiment, run_experiment
from app.specs import ExperimentSpec

FAST = {"epochs": 40, "batch_size": 16, "learning_rate": 0.01}


def _iris() -> pd.DataFrame:
    bunch = load_iris(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    frame.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    frame["species"] = np.asarray(bunch.target_names)[bunch.target]
    rng = np.random.default_rng(0)
    frame["garden"] = rng.choice(["north", "south", "east"], len(frame))
    frame.loc[[4, 9], "sepal_width"] = np.nan
    frame.loc[[7, 77], "species"] = None
    return frame


def _spec(**fields: object) -> ExperimentSpec:
    return ExperimentSpec.model_validate(
        {"dataset_id": 1, "label": "species", "training": FAST, **fields}
    )


def _strict_json(value: object) -> object:
    return json.loads(json.dumps(value, allow_nan=False))


def test_prepare_splits_every_labeled_row_once_and_fits_on_train() -> None:
    frame = _iris()
    prepared = prepare_experiment(frame, _spec(encoders={"garden": "onehot"}))
    rows = np.concatenate(list(prepared.rows.values()))
    assert sorted(rows.tolist()) == [i for i in range(150) if i not in (7, 77)]
    assert prepared.dropped_rows == 2 and prepared.unlabeled_rows.tolist() == [7, 77]
    pipeline = prepared.pipeline
    assert pipeline.task == "multiclass" and pipeline.features == [
        "sepal_length", "sepal_width", "petal_length", "petal_width", "garden",
    ]
    assert pipeline.n_inputs == 4 + 1 + 3  # + sepal_width's missing indicator + garden one-hot
    X_train = prepared.X["train"]
    assert X_train.dtype == np.float32 and X_train.shape == (len(prepared.rows["train"]), 8)
    np.testing.assert_allclose(X_train[:, 0].mean(), 0, atol=1e-6)  # standardized on train only
    assert prepared.y["train"].dtype == np.int64
    for split in ("validation", "test"):
        assert set(prepared.y[split].tolist()) == {0, 1, 2}


def test_run_trains_reports_metrics_predictions_and_importance() -> None:
    epochs, polls = [], []
    outcome = run_experiment(
        _iris(), _spec(), on_epoch=epochs.append, should_stop=lambda: polls.append(1) or False
    )
    assert len(epochs) == len(outcome.training.history) >= 1 and polls
    assert set(outcome.metrics) == {"train", "validation", "test"}
    test = outcome.metrics["test"]
    assert set(test) >= {"accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss"}
    assert test["accuracy"] is not None and test["accuracy"] > 0.8
    _strict_json([outcome.metrics, outcome.details, outcome.importance, outcome.history()])
    assert outcome.details["test"]["classes"] == ["setosa", "versicolor", "virginica"]
    assert np.sum(outcome.details["test"]["confusion_matrix"]) == outcome.split_sizes["test"]
    assert {row["feature"] for row in outcome.importance} == {
        "sepal_length", "sepal_width", "petal_length", "petal_width", "garden",
    }
    predictions = outcome.predictions
    assert predictions["row"].tolist() == list(range(150))
    assert predictions.loc[7, "split"] == "unlabeled" and predictions.loc[7, "actual"] is None
    assert set(predictions["predicted"]) <= {"setosa", "versicolor", "virginica"}
    probabilities = predictions[[f"probability: {c}" for c in ("setosa", "versicolor", "virginica")]]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert outcome.dropped_rows == 2


def test_cancel_is_passed_through() -> None:
    outcome = run_experiment(_iris(), _spec(), should_stop=lambda: True)
    assert outcome.training.stop_reason == "cancelled"


def test_pipeline_serialises_and_predicts_new_rows_after_loading() -> None:
    frame = _iris()
    outcome = run_experiment(frame, _spec(), importance_repeats=1)
    stored = json.dumps(outcome.pipeline.to_dict(), allow_nan=False)
    pipeline = FittedPipeline.from_dict(json.loads(stored))
    np.testing.assert_array_equal(
        pipeline.transform_new_rows(frame), outcome.pipeline.transform_new_rows(frame)
    )
    net = load_model(*save_model(outcome.network))
    new_rows = frame.drop(columns="species").iloc[[0, 60, 120]]
    new_rows.loc[0, "garden"] = "west"  # unseen: encodes to zeros
    assert pipeline.table.unseen_counts(new_rows) == {"garden": 1}
    predicted = pipeline.predict(net, new_rows)
    expected = outcome.pipeline.predict(outcome.network, new_rows)
    pd.testing.assert_frame_equal(predicted, expected)
    assert list(predicted.columns[:2]) == ["predicted", "probability: setosa"]


def test_regression_in_original_units() -> None:
    frame = _iris().drop(columns="species")
    spec = ExperimentSpec.model_validate(
        {"dataset_id": 1, "label": "petal_length", "training": FAST, "features": ["petal_width"]}
    )
    outcome = run_experiment(frame, spec, importance_repeats=1)
    assert outcome.pipeline.task == "regression"
    assert outcome.metrics["test"]["r2"] > 0.7  # type: ignore[operator]
    assert 0.1 < outcome.metrics["test"]["mae"] < 1.5  # type: ignore[operator] — centimetres
    test_rows = outcome.predictions[outcome.predictions["split"] == "test"]
    assert abs(test_rows["predicted"].mean() - test_rows["actual"].mean()) < 1.0
    _strict_json(outcome.details["test"]["residuals"])


def test_binary_and_task_override() -> None:
    frame = _iris()
    frame["is_setosa"] = np.where(frame["species"] == "setosa", "yes", "no")
    spec = _spec(label="is_setosa", features=["petal_length", "garden"])
    outcome = run_experiment(frame, spec, importance_repeats=1)
    assert outcome.pipeline.task == "binary" and outcome.pipeline.n_outputs == 1
    assert outcome.metrics["test"]["roc_auc"] is not None
    assert [curve["class"] for curve in outcome.details["test"]["roc"]] == ["no", "yes"]
    override = prepare_experiment(frame, _spec(label="is_setosa", task="multiclass"))
    assert override.pipeline.n_outputs == 2 and override.pipeline.output_activation == "softmax"


def test_errors_speak_plainly() -> None:
    with pytest.raises(ValueError, match='no column "nope"'):
        prepare_experiment(_iris(), _spec(label="nope"))
    frame = _iris()
    frame.loc[[148, 149], "species"] = "hybrid"
    with pytest.raises(ValueError, match='The class "hybrid" has only 2 rows'):
        prepare_experiment(frame, _spec())


def test_proposed_defaults() -> None:
    assert [layer.units for layer in propose_layers("multiclass", 100, 4, 3)] == [32]
    assert len(propose_layers("binary", 20_000, 50)) == 2
    small, large = propose_training("binary", 100), propose_training("binary", 100_000)
    assert small.batch_size < large.batch_size and small.epochs >= large.epochs


def test_whole_number_labels_read_as_floats_decode_as_integers() -> None:
    frame = _iris()
    frame["survived"] = np.where(frame["species"] == "setosa", 1.0, 0.0)
    frame.loc[0, "survived"] = np.nan  # why pandas reads the column as float
    outcome = run_experiment(frame, _spec(label="survived", features=["petal_length"]))
    assert outcome.pipeline.label_codec.classes == [0, 1]
    labeled = outcome.predictions[outcome.predictions["split"] != "unlabeled"]
    assert set(labeled["actual"]) == set(labeled["predicted"]) == {0, 1}
    assert "probability: 1" in outcome.predictions.columns
