"""Do LayerLab's default settings learn well? Our network against scikit-learn's MLP.

On scikit-learn's bundled datasets, over 5 seeds, each seed its own split
(67 / 21 / 12, stratified) and its own initial weights:
- ours: the proposed topology and training settings (app/jobs/defaults.py),
  trained on the train split with early stopping on the validation split;
- scikit-learn: MLPClassifier / MLPRegressor with the same hidden layers and
  activation, its defaults (Adam, lr 1e-3, alpha 1e-4, batch min(200, n), own
  early stopping off) but max_iter=1000 so it converges, trained on the same
  encoded train rows (regression: the same standardized target).
Both are scored on the same test split: accuracy, or R² in original units.
"""

from __future__ import annotations

import statistics
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

from app.engine import fit
from app.jobs.defaults import propose_layers, propose_training
from app.jobs.pipeline import (
    METRIC_OF_TASK,
    build_network,
    prepare_experiment,
    training_config,
)
from app.specs import ExperimentSpec, SplitSpec

SEEDS = range(5)
DATASETS: dict[str, Callable[..., object]] = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
    "diabetes": datasets.load_diabetes,
}
TOLERANCE = 0.005  # a mean this close counts as a tie: test splits are 18 to 216 rows


def _frame(name: str) -> pd.DataFrame:
    bunch = DATASETS[name](as_frame=True)
    frame = bunch.frame.copy()  # type: ignore[attr-defined]
    if name != "diabetes":
        frame["target"] = np.asarray(bunch.target_names)[bunch.target]  # type: ignore[attr-defined]
    return frame


def run_seed(frame: pd.DataFrame, seed: int) -> tuple[float, float, str]:
    """(our test score, scikit-learn's test score, metric name) for one seed."""
    base = ExperimentSpec(dataset_id=1, label="target", split=SplitSpec(seed=seed))
    prepared = prepare_experiment(frame, base)
    pipeline = prepared.pipeline
    X, y = prepared.X, prepared.y
    layers = propose_layers(
        pipeline.task, len(X["train"]), pipeline.n_inputs, max(2, pipeline.n_outputs)
    )
    spec = base.model_copy(
        update={"layers": layers, "training": propose_training(pipeline.task, len(X["train"]), seed)}
    )
    net = build_network(spec, pipeline)
    fit(net, X["train"], y["train"], X["validation"], y["validation"], loss=pipeline.loss,
        config=training_config(spec), metric=METRIC_OF_TASK[pipeline.task])
    outputs = net.predict(X["test"])
    sizes = tuple(layer.units for layer in layers)
    if pipeline.task == "regression":
        codec = pipeline.label_codec
        truth = codec.decode(y["test"])
        reference = MLPRegressor(hidden_layer_sizes=sizes, max_iter=1000, random_state=seed)
        reference.fit(X["train"], y["train"].ravel())
        ours = r2_score(truth, codec.decode(outputs))
        theirs = r2_score(truth, codec.decode(reference.predict(X["test"])))
        return float(ours), float(theirs), "r2"
    truth = y["test"].reshape(len(outputs), -1)[:, 0].astype(int)
    predicted = pipeline.label_codec.probabilities(outputs).argmax(axis=1)  # type: ignore[union-attr]
    reference = MLPClassifier(hidden_layer_sizes=sizes, max_iter=1000, random_state=seed)
    reference.fit(X["train"], y["train"].reshape(len(X["train"]), -1)[:, 0].astype(int))
    theirs = accuracy_score(truth, reference.predict(X["test"]))
    return float(accuracy_score(truth, predicted)), float(theirs), "accuracy"


def _mean_std(values: list[float]) -> str:
    return f"{statistics.mean(values):.3f}±{statistics.pstdev(values):.3f}"


def main() -> None:
    print(f"{'dataset':<14} {'metric':<9} {'ours':>12} {'sklearn MLP':>12}  verdict")
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in DATASETS:
            frame = _frame(name)
            scores = [run_seed(frame, seed) for seed in SEEDS]
            ours, theirs = [s[0] for s in scores], [s[1] for s in scores]
            gap = statistics.mean(ours) - statistics.mean(theirs)
            verdict = "at least as good" if gap >= -TOLERANCE else f"WORSE by {-gap:.3f}"
            print(
                f"{name:<14} {scores[0][2]:<9} {_mean_std(ours):>12} {_mean_std(theirs):>12}"
                f"  {verdict} ({gap:+.3f})",
                flush=True,
            )
