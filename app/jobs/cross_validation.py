"""Cross-validation of an experiment: k stratified folds over its training and validation rows.

The test rows are those of the experiment's own split and stay held out. Each fold
fits its encoders on its training part, trains the spec's network with early stopping
on the held-out fold, and is scored there; the result holds every fold's metrics and
learning curve, and each metric's mean ± standard deviation across folds. It runs in
the worker after the main run, so the experiment's own model and results come first.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.data.folds import stratified_folds
from app.data.numbers import finite
from app.data.tasks import TaskGuess
from app.db.cross_validation import store_cross_validation
from app.db.datasets import dataset_path
from app.db.experiments import get_experiment
from app.db.models import CrossValidationStatus, ExperimentStatus
from app.engine import EpochReport, fit
from app.jobs import training_options
from app.jobs.context import WorkerContext
from app.jobs.experiment_data import experiment_read_options, load_rows
from app.jobs.pipeline import METRIC_OF_TASK, build_network, choose_encoders, fit_pipeline, split_labeled
from app.jobs.scoring import evaluate
from app.specs import ExperimentSpec

Progress = Callable[[dict[str, Any]], None]


def summarise_folds(folds: list[dict[str, Any]]) -> tuple[dict[str, float | None], dict[str, float | None]]:
    names = [name for name in folds[0]["metrics"]] if folds else []
    mean: dict[str, float | None] = {}
    std: dict[str, float | None] = {}
    for name in names:
        values = [fold["metrics"][name] for fold in folds if fold["metrics"].get(name) is not None]
        mean[name] = statistics.fmean(values) if values else None
        std[name] = statistics.stdev(values) if len(values) > 1 else None
    return mean, std


@dataclass
class FoldPlan:
    """The rows every fold draws from, and each fold's training and held-out positions in them."""

    spec: ExperimentSpec
    encoders: dict[str, str]
    labeled: pd.DataFrame
    guess: TaskGuess
    pool: np.ndarray
    parts: list[tuple[np.ndarray, np.ndarray]]
    test_rows: int

    def header(self) -> dict[str, Any]:
        return {
            "k": self.spec.split.folds,
            "status": CrossValidationStatus.RUNNING,
            "task": self.guess.task,
            "metric": METRIC_OF_TASK[self.guess.task],
            "rows": int(self.pool.size),
            "test_rows": self.test_rows,
            "folds": [],
        }


def plan_folds(frame: pd.DataFrame, spec: ExperimentSpec, column_kinds: Mapping[str, str] | None = None) -> FoldPlan:
    """Deterministic from the data and the spec, so each fold can be planned where it runs."""
    k = spec.split.folds
    if not k:
        raise ValueError("This experiment does not ask for cross-validation.")
    encoders = choose_encoders(frame, spec, column_kinds)
    part = split_labeled(frame, spec)
    s = spec.split
    pool = np.sort(np.concatenate([part.splits.train, part.splits.validation]))
    parts = stratified_folds(part.strata[pool], k, s.seed, s.stratify)
    return FoldPlan(spec, encoders, part.labeled, part.guess, pool, list(parts), int(part.splits.test.size))


def train_fold(plan: FoldPlan, number: int, should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Train and score fold `number` (from 1): its metrics, best epoch and learning curve."""
    spec, guess = plan.spec, plan.guess
    train_positions, held_positions = plan.parts[number - 1]
    labeled = plan.labeled
    train, held = labeled.iloc[plan.pool[train_positions]], labeled.iloc[plan.pool[held_positions]]
    pipeline = fit_pipeline(spec, plan.encoders, guess, train, labeled[spec.label])
    table, codec = pipeline.table, pipeline.label_codec
    net = build_network(spec, pipeline)
    curve: list[dict[str, Any]] = []

    def record(report: EpochReport) -> None:
        curve.append({
            "epoch": report.epoch,
            "train_loss": finite(report.train_loss),
            "val_loss": finite(report.val_loss),
            "train_metric": finite(report.train_metric),
            "val_metric": finite(report.val_metric),
        })

    X_held, y_held = table.transform(held), codec.encode(held[spec.label])
    y_train = codec.encode(train[spec.label])
    config = training_options.training_config(spec, guess.task, y_train, max(2, len(codec.classes)))
    training = fit(
        net, table.transform(train), y_train, X_held, y_held,
        loss=pipeline.loss, config=config, metric=METRIC_OF_TASK[guess.task],
        on_epoch=record, should_stop=should_stop,
        score=training_options.stopping_score(guess.task, spec.training, codec),
    )
    metrics, _ = evaluate(pipeline, y_held, net.predict(X_held))
    return {
        "fold": number,
        "train_rows": int(train_positions.size),
        "validation_rows": int(held_positions.size),
        "metrics": {name: finite(value) for name, value in metrics.items()},
        "best_epoch": training.best_epoch,
        "stop_reason": training.stop_reason,
        "curve": curve,
    }


def cross_validate(
    frame: pd.DataFrame,
    spec: ExperimentSpec,
    *,
    column_kinds: Mapping[str, str] | None = None,
    on_fold: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Train and score the spec on each of `spec.split.folds` folds; see the module docstring."""
    plan = plan_folds(frame, spec, column_kinds)
    result = plan.header()
    for number in range(1, len(plan.parts) + 1):
        if should_stop is not None and should_stop():
            result["status"] = CrossValidationStatus.CANCELLED
            break
        result["folds"].append(train_fold(plan, number, should_stop))
        result["mean"], result["std"] = summarise_folds(result["folds"])
        if on_fold is not None:
            on_fold(result)
    if result["status"] == CrossValidationStatus.RUNNING:
        result["status"] = CrossValidationStatus.COMPLETED
    result["mean"], result["std"] = summarise_folds(result["folds"])
    return result


def run_cross_validation(context: WorkerContext, experiment_id: int, claim_token: str | None = None) -> None:
    """After a completed main run: cross-validate when the spec asks, storing each fold.

    With a claim token, a fold is stored only while the run is still the one claimed.
    """

    def store(result: dict[str, Any] | None) -> None:
        with context.sessions() as session:
            store_cross_validation(
                session=session, experiment_id=experiment_id, result=result, claim_token=claim_token
            )

    with context.sessions() as session:
        experiment = get_experiment(session=session, experiment_id=experiment_id)
        if experiment is None:
            return
        spec = ExperimentSpec.model_validate(experiment.spec)
        if not spec.split.folds:
            return
        if experiment.status != ExperimentStatus.COMPLETED:
            store(None)
            return
        dataset = experiment.dataset
        path = dataset_path(datasets_dir=context.settings.datasets_dir, dataset=dataset)
        options = experiment_read_options(experiment)
        kinds = {column["name"]: column["kind"] for column in dataset.profile.get("columns", [])}
    store({"k": spec.split.folds, "status": CrossValidationStatus.RUNNING, "folds": []})
    try:
        result = cross_validate(
            load_rows(path, options), spec, column_kinds=kinds, on_fold=store, should_stop=context.stopping.is_set
        )
    except ValueError as exc:  # the data's own problems, already phrased for people
        result = {"k": spec.split.folds, "status": CrossValidationStatus.FAILED, "error": str(exc), "folds": []}
    store(result)
