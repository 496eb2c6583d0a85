"""From a table and an ExperimentSpec to a trained network and everything worth storing.

`prepare_experiment` drops rows without a label, detects the task, splits the
rows and fits the encoders on the training split. `run_experiment` then trains
the network with the engine and scores it (scoring.py); a worker only calls that.
`FittedPipeline` is the part a model artifact keeps (JSON via to_dict /
from_dict) to encode new rows and decode the network's outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from app.data.baselines import compare_with_baselines
from app.data.column_kinds import distinct_values, infer_kind
from app.data.decisions import choose_threshold
from app.data.encoders import default_encoder
from app.data.evaluation import (
    HEADLINE_METRIC,
    score_for_importance,
)
from app.data.importance import permutation_importance
from app.data.judging import class_shares
from app.data.largest_errors import error_entries
from app.data.splits import SplitIndices, quantile_bins, split_rows
from app.data.table_encoding import TableEncoder
from app.data.tasks import TaskGuess, make_label_codec, resolve_task
from app.engine import EpochReport, Network, TrainingConfig, TrainingResult, build_mlp, fit
from app.jobs import training_options
from app.jobs.diagnostics import find_warnings
from app.jobs.fitted_pipeline import FittedPipeline
from app.jobs.scoring import (
    actual_labels,
    class_indices,
    decision_summary,
    decoded_split,
    doubts,
    evaluate,
    split_plots,
    with_inputs,
)
from app.specs import ExperimentSpec, training_problems

if TYPE_CHECKING:
    from app.jobs.continuation import Continuation

# Per task: the metric the engine reports each epoch (activation and loss: fitted_pipeline.py).
METRIC_OF_TASK = HEADLINE_METRIC
UNLABELED = "unlabeled"  # the split name of rows whose label is missing


@dataclass
class PreparedExperiment:
    """The fitted pipeline and the arrays per split, ready for the engine.

    X[split]: (n_split, n_inputs) float32; y[split]: binary (n, 1) float32,
    multiclass (n,) int64, regression (n, 1) float32 standardized.
    rows[split]: positions (0-based) in the original frame of that split's rows.
    """

    pipeline: FittedPipeline
    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]
    dropped_rows: int  # rows without a label: not used for training or evaluation
    unlabeled_rows: np.ndarray  # their positions in the frame


def choose_encoders(
    frame: pd.DataFrame, spec: ExperimentSpec, column_kinds: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Feature -> encoder name: the spec's choice, else the default for the column's kind.

    With no features in the spec, every column but the label whose kind has a
    default encoder. A feature the user picked whose kind has none (an ID, say)
    is standardized if numbers or dates (as seconds) and one-hot encoded otherwise.
    """
    kinds = dict(column_kinds or {})
    for name in frame.columns:
        if name not in kinds:
            kinds[name] = infer_kind(frame[name], distinct_values(frame[name]))  # as the profile says
    features = spec.features or [
        name for name in frame.columns if name != spec.label and default_encoder(kinds[name])
    ]
    missing = [name for name in [spec.label, *features] if name not in frame.columns]
    if missing:
        raise ValueError(f'The dataset has no column "{missing[0]}".')
    if not features:
        raise ValueError("No column is suitable as a feature; pick at least one.")
    chosen = {}
    for name in features:
        dtype = frame[name].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
        fallback = "standardize" if numeric else "onehot"
        chosen[name] = spec.encoders.get(name) or default_encoder(kinds[name]) or fallback
    return chosen


@dataclass
class LabeledSplit:
    """The rows with a label, the task they imply, and the spec's seeded split of them."""

    labeled: pd.DataFrame  # the frame's labeled rows, re-indexed from 0
    positions: np.ndarray  # their positions in the frame
    unlabeled: np.ndarray  # positions of the rows without a label
    guess: TaskGuess
    splits: SplitIndices  # positions in `labeled`
    strata: np.ndarray  # what the split and the folds stratify on (binned for regression)


def split_labeled(frame: pd.DataFrame, spec: ExperimentSpec) -> LabeledSplit:
    """Drop unlabeled rows, resolve the task, check the training options for it, split."""
    has_label = frame[spec.label].notna().to_numpy()
    positions = np.flatnonzero(has_label)
    labeled = frame.iloc[positions].reset_index(drop=True)
    label = labeled[spec.label]
    guess = resolve_task(spec.task, label, spec.label)
    problems = training_problems(spec.training, guess.task)
    if problems:
        raise ValueError(problems[0])
    strata = np.asarray(quantile_bins(label) if guess.task == "regression" else label.to_numpy())
    s = spec.split
    splits = split_rows(strata, s.train, s.validation, s.test, s.stratify, s.seed)
    return LabeledSplit(labeled, positions, np.flatnonzero(~has_label), guess, splits, strata)


def fit_pipeline(
    spec: ExperimentSpec, encoders: Mapping[str, str], guess: TaskGuess, train: pd.DataFrame,
    labels: pd.Series, fitted: FittedPipeline | None = None,
) -> FittedPipeline:
    """Fit the encoders on `train`; the label codec on every label (classes) or on `train`'s
    (a regression's mean and spread). With `fitted`, its encoders and codec are reused."""
    if fitted:
        codec, table = fitted.label_codec, fitted.table
    else:
        codec = make_label_codec(guess.task, spec.training.target_transform)
        # every class, so a class seen only in test still has an index
        codec.fit(train[spec.label] if guess.task == "regression" else labels)
        table = TableEncoder(dict(encoders)).fit(train)
    pipeline = FittedPipeline(spec.label, guess.task, guess.explanation, table, codec)
    pipeline.loss = training_options.loss_of(guess.task, spec.training)
    return pipeline


def prepare_experiment(
    frame: pd.DataFrame, spec: ExperimentSpec, column_kinds: Mapping[str, str] | None = None,
    fitted: FittedPipeline | None = None,
) -> PreparedExperiment:
    """Drop unlabeled rows, resolve the task, split, fit encoders on train, encode every split.

    With `fitted` (a continued experiment's), its encoders and label codec are used as they are."""
    if spec.label not in frame.columns:
        raise ValueError(f'The dataset has no column "{spec.label}".')
    encoders = choose_encoders(frame, spec, column_kinds)
    part = split_labeled(frame, spec)
    labeled = part.labeled
    train = labeled.iloc[part.splits.train]
    pipeline = fit_pipeline(spec, encoders, part.guess, train, labeled[spec.label], fitted)
    X, y, rows = {}, {}, {}
    for name, positions in part.splits.items():
        rows_of_split = labeled.iloc[positions]
        X[name] = pipeline.table.transform(rows_of_split)
        y[name] = pipeline.label_codec.encode(rows_of_split[spec.label])
        rows[name] = part.positions[positions]
    return PreparedExperiment(pipeline, X, y, rows, int(part.unlabeled.size), part.unlabeled)


@dataclass
class ExperimentOutcome:
    """What a finished run leaves for the worker to store. All dicts are JSON-safe.

    metrics[split]: headline scores (docs/ARCHITECTURE.md names); details[split]: confusion
    matrix, per-class scores, ROC / PR curves, or residuals; importance: per
    feature, the validation score drop when shuffled; predictions: one row per
    frame row ("row", "split", "actual", "predicted", probabilities).
    baseline: simpler models scored on the test split and a verdict (baselines.py);
    warnings: [{"kind", "message"}] (diagnostics.py); plots[split]: plot data (plots.py).
    """

    network: Network
    pipeline: FittedPipeline
    training: TrainingResult
    metrics: dict[str, dict[str, float | None]]
    details: dict[str, dict[str, Any]]
    importance: list[dict[str, Any]]
    predictions: pd.DataFrame
    dropped_rows: int
    split_sizes: dict[str, int] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    plots: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Binary: the decision threshold and the counts behind the results page's slider
    # (decision_summary); {} otherwise.
    decision: dict[str, Any] = field(default_factory=dict)
    # Per split, the worst rows with their inputs (data/largest_errors.py).
    largest_errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Classification: "<split>_y" class indices (n,) and "<split>_probabilities" (n, k),
    # kept so that a new threshold can be scored without the data.
    evaluation: dict[str, np.ndarray] = field(default_factory=dict)

    def history(self) -> list[dict[str, Any]]:
        return [vars(report).copy() for report in self.training.history]


def build_network(spec: ExperimentSpec, pipeline: FittedPipeline) -> Network:
    """The spec's hidden layers, then the output layer and activation the task needs."""
    hidden = training_options.hidden_layers(spec)
    return build_mlp(
        pipeline.n_inputs, hidden, pipeline.n_outputs, pipeline.output_activation,
        seed=spec.training.seed,
    )


def training_config(spec: ExperimentSpec) -> TrainingConfig:
    """The engine's settings of this spec, without the ones that need the data (class weights)."""
    return training_options.training_config(spec)


def train_network(
    prepared: PreparedExperiment,
    spec: ExperimentSpec,
    *,
    on_epoch: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_network: Callable[[Network, np.ndarray, list[str]], None] | None = None,
    start: Continuation | None = None,
) -> tuple[Network, TrainingResult]:
    """Build the spec's network (or carry on from ``start``'s) and train it on the
    training split, early-stopped on validation."""
    pipeline = prepared.pipeline
    net = start.network if start else build_network(spec, pipeline)
    if on_network is not None:
        validation = prepared.X["validation"]
        on_network(net, validation if len(validation) else prepared.X["train"], pipeline.feature_names)
    config = training_options.training_config(
        spec, pipeline.task, prepared.y["train"], max(2, len(pipeline.label_codec.classes)))
    result = fit(
        net, prepared.X["train"], prepared.y["train"], prepared.X["validation"],
        prepared.y["validation"], loss=pipeline.loss, config=config,
        metric=METRIC_OF_TASK[pipeline.task], on_epoch=on_epoch, should_stop=should_stop,
        score=training_options.stopping_score(pipeline.task, spec.training, pipeline.label_codec),
        resume=start.checkpoint if start else None,
    )
    return net, result


def run_experiment(
    frame: pd.DataFrame,
    spec: ExperimentSpec,
    *,
    column_kinds: Mapping[str, str] | None = None,
    on_epoch: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    importance_repeats: int = 5,
    on_network: Callable[[Network, np.ndarray, list[str]], None] | None = None,
    start: Continuation | None = None,
) -> ExperimentOutcome:
    """Prepare, train with early stopping on the validation split, evaluate and predict.

    on_network: called once before training with the network, the encoded
    validation rows (the training rows when there are none) and the names of the
    network's inputs ("island=Dream"), to look inside it.
    start: carry on from a finished experiment's weights and training state.
    """
    prepared = prepare_experiment(frame, spec, column_kinds, start.pipeline if start else None)
    pipeline = prepared.pipeline
    net, result = train_network(prepared, spec, on_epoch=on_epoch, should_stop=should_stop,
                                on_network=on_network, start=start)
    choice = None
    if pipeline.task == "binary":  # decide where "positive" starts before anything is scored
        validation_outputs = net.predict(prepared.X["validation"])
        positive = pipeline.label_codec.probabilities(validation_outputs)[:, 1]  # type: ignore[index]
        choice = choose_threshold(class_indices(prepared.y["validation"]), positive)
        pipeline.label_codec.threshold = choice.threshold  # type: ignore[attr-defined]
    minority = None
    if pipeline.task != "regression":
        shares = class_shares(class_indices(prepared.y["train"]), len(pipeline.label_codec.classes))
        minority = pipeline.label_codec.classes[int(np.argmin(shares))]
    features = pipeline.features
    metrics, details, parts, plots, decoded_splits = {}, {}, [], {}, {}
    largest_errors, evaluation = {}, {}
    for name in ("train", "validation", "test"):
        outputs = net.predict(prepared.X[name])
        metrics[name], details[name] = evaluate(pipeline, prepared.y[name], outputs, minority)
        labels = frame[spec.label].iloc[prepared.rows[name]]
        split = decoded_splits[name] = decoded_split(pipeline, prepared.y[name], outputs, labels)
        plots[name] = split_plots(pipeline, split)
        inputs = frame[features].iloc[prepared.rows[name]]
        largest_errors[name] = error_entries(
            pipeline.task, prepared.rows[name], split.actual, split.predicted, split.probabilities,
            pipeline.label_codec.classes, inputs,
        )
        if split.probabilities is not None:
            evaluation[f"{name}_y"], evaluation[f"{name}_probabilities"] = split.actual, split.probabilities
        decoded = pipeline.decode(outputs)
        decoded.insert(0, "actual", actual_labels(pipeline, labels))
        decoded.insert(0, "split", name)
        decoded.insert(0, "row", prepared.rows[name])
        parts.append(with_inputs(decoded, inputs))
    if prepared.unlabeled_rows.size:
        unlabeled = frame.iloc[prepared.unlabeled_rows]
        decoded = pipeline.predict(net, unlabeled)
        decoded.insert(0, "actual", None)
        decoded.insert(0, "split", UNLABELED)
        decoded.insert(0, "row", prepared.unlabeled_rows)
        parts.append(with_inputs(decoded, unlabeled[features]))
    predictions = pd.concat(parts, ignore_index=True).sort_values("row", ignore_index=True)
    X_val, y_val = prepared.X["validation"], prepared.y["validation"]
    importance = permutation_importance(
        X_val,
        pipeline.table.blocks(),
        lambda X, rows: score_for_importance(pipeline.task, y_val[rows], net.predict(X)),
        n_repeats=importance_repeats,
        seed=spec.split.seed,
    )
    train, test = decoded_splits["train"], decoded_splits["test"]
    chosen_metric = getattr(spec.training, "early_stopping_metric", None)
    baseline = compare_with_baselines(
        pipeline.task, prepared.X["train"], train.actual, prepared.X["test"], test.actual,
        metrics["test"], pipeline.label_codec.classes, seed=spec.split.seed, chosen_metric=chosen_metric,
    )
    run_warnings = find_warnings(
        pipeline.task, metrics, test.actual, test.predicted, result.history, result.stop_reason,
        pipeline.label_codec.classes,
    ) + doubts(pipeline, baseline["metric"], decoded_splits, prepared.rows, spec.split.seed)
    return ExperimentOutcome(
        network=net,
        pipeline=pipeline,
        training=result,
        metrics=metrics,
        details=details,
        importance=importance,
        predictions=predictions,
        dropped_rows=prepared.dropped_rows,
        split_sizes={name: int(rows.size) for name, rows in prepared.rows.items()},
        baseline=baseline,
        warnings=run_warnings,
        plots=plots,
        decision=decision_summary(pipeline, choice, decoded_splits) if choice else {},
        largest_errors=largest_errors,
        evaluation=evaluation,
    )

