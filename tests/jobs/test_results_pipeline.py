"""What a run stores for the results page: the decision threshold, calibration, the largest
errors, input columns beside the predictions, and warnings that name rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from app.jobs.pipeline import run_experiment
from app.specs import ExperimentSpec

TRAINING = {"epochs": 30, "batch_size": 32, "learning_rate": 0.01, "early_stopping_patience": None}


def _loans(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """About 8 % "bad" loans, a noisy function of debt and age."""
    rng = np.random.default_rng(seed)
    debt, age = rng.normal(size=n), rng.normal(size=n)
    bad = debt + 0.5 * age + rng.normal(scale=0.8, size=n) > 2.0
    return pd.DataFrame({"debt": debt, "age": age, "split": rng.choice(["a", "b"], n),
                         "status": np.where(bad, "bad", "good")})


def _spec(label: str, **training: object) -> ExperimentSpec:
    return ExperimentSpec.model_validate({"dataset_id": 1, "label": label, "training": {**TRAINING, **training}})


def test_a_binary_run_decides_at_the_threshold_chosen_on_validation() -> None:
    outcome = run_experiment(_loans(), _spec("status"), importance_repeats=1)
    decision = outcome.decision
    threshold = decision["threshold"]
    assert decision["chosen"] == threshold == outcome.pipeline.label_codec.threshold  # type: ignore[attr-defined]
    assert decision["metric"] == "balanced_accuracy" and decision["positive"] == "good"
    assert len(decision["splits"]["validation"]["tp"]) == 99
    predictions = outcome.predictions
    positive = predictions["probability: good"].to_numpy()
    assert (predictions["predicted"] == np.where(positive >= threshold, "good", "bad")).all()
    test = predictions[predictions["split"] == "test"]
    expected = skm.balanced_accuracy_score(test["actual"], test["predicted"])
    assert outcome.metrics["test"]["balanced_accuracy"] == expected
    json.dumps(decision, allow_nan=False)


def test_predictions_carry_the_inputs_beside_the_row_number() -> None:
    outcome = run_experiment(_loans(300), _spec("status", epochs=3), importance_repeats=1)
    assert list(outcome.predictions.columns[:6]) == ["row", "debt", "age", "split (input)", "split", "actual"]
    assert outcome.predictions["debt"].iloc[0] == _loans(300)["debt"].iloc[0]


def test_calibration_largest_errors_and_evaluation_arrays() -> None:
    outcome = run_experiment(_loans(400), _spec("status", epochs=5), importance_repeats=1)
    for split in ("train", "validation", "test"):
        calibration = outcome.plots[split]["calibration"]
        assert calibration["brier"] == outcome.metrics[split]["brier"]
        assert sum(b["rows"] for b in calibration["bins"]) == outcome.split_sizes[split]
        errors = outcome.largest_errors[split]
        assert len(errors) == min(200, outcome.split_sizes[split])
        assert set(errors[0]["inputs"]) == {"debt", "age", "split"}
        given = [e["probabilities"][e["actual_index"]] for e in errors]
        assert given == sorted(given)
        assert outcome.evaluation[f"{split}_probabilities"].shape == (outcome.split_sizes[split], 2)
    json.dumps([outcome.largest_errors, outcome.plots], allow_nan=False)


def test_a_regression_run_names_the_row_that_dominates_the_test_error() -> None:
    rng = np.random.default_rng(3)
    size = rng.uniform(50, 300, 600)
    frame = pd.DataFrame({"size": size, "price": 1000 * size + rng.normal(0, 5000, 600)})
    spec = _spec("price", epochs=60)
    outcome = run_experiment(frame, spec, importance_repeats=1)
    test_rows = outcome.predictions.loc[outcome.predictions["split"] == "test", "row"].to_numpy()
    odd = int(test_rows[3])
    frame.loc[odd, "size"] = 3000.0  # a house ten times the largest in training
    outcome = run_experiment(frame, spec, importance_repeats=1)
    kinds = {w["kind"]: w["message"] for w in outcome.warnings}
    assert f"row {odd + 1:,}" in kinds["dominant_rows"]
    assert f"Row {odd + 1:,} (test) is predicted at" in kinds["outlier_prediction"]
    assert "split_disagreement" in kinds
    assert outcome.largest_errors["test"][0]["row"] == odd + 1
    assert outcome.decision == {}
