"""Scoring a trained network: metrics per split, decoded labels, plots, the decision
threshold's summary and the doubts about held-out splits.

`run_experiment` (pipeline.py) calls these after training; cross-validation scores
its folds with `evaluate`, and the largest-errors view reads `decision_threshold`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from app.data.decisions import THRESHOLD_GRID, ThresholdChoice, predicted_at, threshold_counts
from app.data.evaluation import classification_evaluation, regression_evaluation
from app.data.metrics import json_safe
from app.data.plots import classification_plots, regression_plots
from app.jobs.doubts import (
    SplitData,
    dominant_rows_warning,
    outlier_prediction_warning,
    split_disagreement_warning,
)

if TYPE_CHECKING:
    from app.jobs.pipeline import FittedPipeline

def decision_threshold(pipeline: FittedPipeline) -> float | None:
    """The binary threshold the pipeline decides at; None for other tasks."""
    return getattr(pipeline.label_codec, "threshold", None) if pipeline.task == "binary" else None


def evaluate(
    pipeline: FittedPipeline, target: np.ndarray, outputs: np.ndarray, minority_class: Any = None
) -> tuple[dict[str, float | None], dict[str, Any]]:
    codec = pipeline.label_codec
    if pipeline.task == "regression":
        return regression_evaluation(codec.decode(target), codec.decode(outputs))
    return classification_evaluation(
        class_indices(target), codec.probabilities(outputs), codec.classes,  # type: ignore[arg-type]
        threshold=decision_threshold(pipeline), minority_class=minority_class,
    )


def class_indices(target: np.ndarray) -> np.ndarray:
    return np.asarray(target).reshape(len(target), -1)[:, 0].astype(np.int64)


def with_inputs(decoded: pd.DataFrame, inputs: pd.DataFrame) -> pd.DataFrame:
    """The input columns after "row": a column named like one of ours gets " (input)"."""
    taken = set(decoded.columns)
    renamed = inputs.rename(columns={name: f"{name} (input)" for name in inputs.columns if name in taken})
    renamed = renamed.reset_index(drop=True)
    return pd.concat([decoded[["row"]], renamed, decoded.drop(columns="row")], axis=1)


def actual_labels(pipeline: FittedPipeline, labels: pd.Series) -> np.ndarray:
    """The labels as the predictions spell them (class 1, not 1.0), shape (n,)."""
    if pipeline.task == "regression":
        return labels.to_numpy(dtype=np.float64)
    indices = pipeline.label_codec.indices(labels)  # type: ignore[attr-defined]
    return np.array(pipeline.label_codec.classes, dtype=object)[indices]


@dataclass(frozen=True)
class Decoded:
    """One split's labels and predictions as the baselines, warnings and plots read them:
    classification class indices (n,) and probabilities (n, k); regression values in units."""

    actual: np.ndarray
    predicted: np.ndarray
    probabilities: np.ndarray | None


def decoded_split(pipeline: FittedPipeline, target: np.ndarray, outputs: np.ndarray, labels: pd.Series) -> Decoded:
    codec = pipeline.label_codec
    if pipeline.task == "regression":  # the labels as given, not round-tripped through float32
        return Decoded(actual_labels(pipeline, labels), codec.decode(outputs), None)
    probabilities = codec.probabilities(outputs)
    assert probabilities is not None
    return Decoded(class_indices(target), predicted_at(probabilities, decision_threshold(pipeline)), probabilities)


def decision_summary(
    pipeline: FittedPipeline, choice: ThresholdChoice, splits: Mapping[str, Decoded]
) -> dict[str, Any]:
    """The threshold, how it was chosen, and per split the rows predicted positive at
    every threshold of the grid (decisions.threshold_counts)."""
    negative, positive = pipeline.label_codec.classes
    return json_safe({
        "threshold": decision_threshold(pipeline), "chosen": choice.threshold, "metric": choice.metric,
        "score": choice.score, "reason": choice.reason, "positive": positive, "negative": negative,
        "grid": THRESHOLD_GRID,
        "splits": {name: threshold_counts(split.actual, split.probabilities[:, 1])  # type: ignore[index]
                   for name, split in splits.items()},
    })


def split_plots(pipeline: FittedPipeline, split: Decoded) -> dict[str, Any]:
    if split.probabilities is None:
        return regression_plots(split.actual, split.predicted)
    return classification_plots(split.actual, split.probabilities, pipeline.label_codec.classes)


def doubts(
    pipeline: FittedPipeline, metric: str, splits: Mapping[str, Decoded], rows: Mapping[str, np.ndarray], seed: int
) -> list[dict[str, str]]:
    """doubts.py's warnings on the held-out splits; rows numbered from 1."""

    def data(name: str) -> SplitData:
        split = splits[name]
        return split.actual, (split.predicted if split.probabilities is None else None), split.probabilities

    test = splits["test"]
    found = [split_disagreement_warning(pipeline.task, metric, data("validation"), data("test"),
                                        decision_threshold(pipeline), seed)]
    if pipeline.task == "regression":
        found.append(dominant_rows_warning(pipeline.task, rows["test"] + 1, test.actual, test.predicted, None))
        train = splits["train"].actual
        if train.size:
            found.append(outlier_prediction_warning(
                (float(np.nanmin(train)), float(np.nanmax(train))),
                {name: (rows[name] + 1, splits[name].predicted) for name in ("validation", "test")},
            ))
    return [warning for warning in found if warning is not None]
