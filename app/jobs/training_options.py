"""From a spec's `training` settings to what the engine takes: the config, the loss,
class weights, and the score that early stopping watches.

The spec speaks of the task ("balanced", "balanced_accuracy", "huber"); the engine
speaks of arrays and callables. This module is the only translation between them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.data import metrics as scores
from app.data.tasks import LabelCodec
from app.engine import TrainingConfig
from app.engine.monitoring import Score
from app.specs import ExperimentSpec, TrainingSpec

LOSS_OF_CLASSIFICATION = {"binary": "binary_crossentropy", "multiclass": "categorical_crossentropy"}
# Spec fields that are the engine's own TrainingConfig fields, under the same name.
_SHARED_FIELDS = ("optimizer", "learning_rate", "batch_size", "epochs", "early_stopping_patience",
                  "weight_decay", "seed", "clip_norm", "schedule")


def loss_of(task: str, training: TrainingSpec) -> str:
    return training.regression_loss if task == "regression" else LOSS_OF_CLASSIFICATION[task]


def balanced_class_weights(y_train: np.ndarray, n_classes: int) -> list[float]:
    """n / (k · count of the class) per class, as scikit-learn's "balanced": each class
    then weighs as much in the loss as a whole; a class absent from training gets 1."""
    indices = np.asarray(y_train).reshape(len(y_train), -1)[:, 0].astype(np.int64)
    counts = np.bincount(indices, minlength=n_classes).astype(np.float64)
    present = counts > 0
    weights = np.ones(n_classes)
    weights[present] = len(indices) / (int(present.sum()) * counts[present])
    return [float(w) for w in weights]


def training_config(spec: ExperimentSpec, task: str | None = None, y_train: Any = None,
                    n_classes: int = 2) -> TrainingConfig:
    """The engine's config; with the task and the training targets, class weights too."""
    training = spec.training
    options: dict[str, Any] = {name: getattr(training, name) for name in _SHARED_FIELDS}
    if training.class_weight == "balanced" and task in LOSS_OF_CLASSIFICATION and y_train is not None:
        options["class_weights"] = balanced_class_weights(y_train, n_classes)
    return TrainingConfig(**options)


def hidden_layers(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """The spec's hidden layers as the engine builds them, with the chosen initializer."""
    layers = [layer.model_dump() for layer in spec.layers]
    if spec.training.initializer != "auto":
        for layer in layers:
            layer["initializer"] = spec.training.initializer
    return layers


def stopping_score(task: str, training: TrainingSpec, codec: LabelCodec) -> Score | None:
    """The metric early stopping watches, computed as the results page computes it
    (regression in the label's own units), or None for the loss."""
    name = training.early_stopping_metric
    if name == "loss":
        return None
    if task == "regression":
        def regression(outputs: np.ndarray, targets: np.ndarray) -> float:
            value = scores.regression_scores(codec.decode(targets), codec.decode(outputs))[name]
            return float("nan") if value is None else value
        return Score(name, regression, higher_is_better=name != "mae")

    def classification(outputs: np.ndarray, targets: np.ndarray) -> float:
        indices = np.asarray(targets).reshape(len(outputs), -1)[:, 0].astype(np.int64)
        value = scores.classification_scores(indices, codec.probabilities(outputs))[name]  # type: ignore[arg-type]
        return float("nan") if value is None else value
    return Score(name, classification)
