"""What kind of problem a label column poses, and turning labels into targets and back.

Targets as the engine wants them: binary (n, 1) float32 of 0/1; multiclass (n,)
int64 class indices; regression (n, 1) float32, standardized with the training
mean and standard deviation. Decoding returns the original labels or units.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from app.data.category_encoders import OrdinalEncoder
from app.data.decisions import DEFAULT_THRESHOLD, predicted_at
from app.data.encoder_base import as_numbers
from app.data.imputation import as_series

Task = Literal["binary", "multiclass", "regression"]
TASKS: tuple[str, ...] = ("binary", "multiclass", "regression")
# An integer label with at most this many values reads as classes, not quantities.
MAX_INTEGER_CLASSES = 10
TARGET_TRANSFORMS = ("none", "log")


class TaskError(ValueError):
    """The label cannot be learned as the requested task; the message says why."""


@dataclass(frozen=True)
class TaskGuess:
    task: Task
    explanation: str
    n_values: int


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _explain(name: str, task: Task, n_values: int) -> str:
    if task == "binary":
        return f"{name} has 2 values: this is binary classification (is it one or the other?)."
    if task == "multiclass":
        return (
            f"{name} has {n_values} values: this is multi-class classification "
            "(which one of them?)."
        )
    return f"{name} is a number with {n_values} distinct values: this is regression (how much?)."


def detect_task(label: Any, name: str = "The label") -> TaskGuess:
    """Binary for two values, regression for numbers with many values, else multiclass."""
    values = as_series(label).dropna()
    n_values = int(values.nunique())
    if n_values < 2:
        raise TaskError(f"{name} has {n_values} distinct value(s); there is nothing to learn.")
    if n_values == 2:
        task: Task = "binary"
    elif _is_numeric(values):
        integral = bool(np.all(np.mod(values.to_numpy(dtype=np.float64), 1) == 0))
        task = "multiclass" if integral and n_values <= MAX_INTEGER_CLASSES else "regression"
    else:
        task = "multiclass"
    return TaskGuess(task, _explain(name, task, n_values), n_values)


def task_of_profile(kind: str, n_values: int) -> Task | None:
    """`detect_task`'s answer from a column's profile alone (its kind and distinct count);
    None when there is nothing to learn."""
    if n_values < 2:
        return None
    if n_values == 2:
        return "binary"
    if kind == "numeric" or (kind == "integer" and n_values > MAX_INTEGER_CLASSES):
        return "regression"
    return "multiclass"


def resolve_task(requested: str, label: Any, name: str = "The label") -> TaskGuess:
    """The detected task for "auto", else the requested one if the label allows it."""
    guess = detect_task(label, name)
    if requested in ("auto", guess.task):
        return guess
    if requested not in TASKS:
        raise TaskError(f"Unknown task {requested!r}; choose auto, {', '.join(TASKS)}.")
    values = as_series(label).dropna()
    if requested == "binary" and guess.n_values != 2:
        raise TaskError(
            f"{name} has {guess.n_values} values; binary classification needs exactly 2."
        )
    if requested == "regression" and not _is_numeric(values):
        raise TaskError(f"{name} holds text, so it cannot be predicted by regression.")
    return TaskGuess(requested, _explain(name, requested, guess.n_values), guess.n_values)  # type: ignore[arg-type]


class LabelCodec(ABC):
    task: Task

    @abstractmethod
    def fit(self, values: Any) -> Self: ...

    @abstractmethod
    def encode(self, values: Any) -> np.ndarray:
        """The engine's target for these labels (shape per task, see module doc)."""

    @abstractmethod
    def decode(self, outputs: np.ndarray) -> np.ndarray:
        """Labels (or values in original units), shape (n,), from network outputs."""

    def probabilities(self, outputs: np.ndarray) -> np.ndarray | None:
        """Class probabilities, shape (n, n_classes), or None for regression."""
        return None

    @property
    def classes(self) -> list[Any]:
        return []

    @abstractmethod
    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    @abstractmethod
    def from_dict(cls, data: dict[str, Any]) -> Self: ...


class _ClassCodec(LabelCodec):
    def __init__(self) -> None:
        self._classes = OrdinalEncoder()

    def fit(self, values: Any) -> Self:
        self._classes.fit(values)
        return self

    @property
    def classes(self) -> list[Any]:
        return list(self._classes.categories)

    def indices(self, values: Any) -> np.ndarray:
        """Class index per row, shape (n,), int64; -1 for a class not seen in fit."""
        return self._classes.codes(values)

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        index = np.argmax(self.probabilities(outputs), axis=1)  # type: ignore[arg-type]
        return np.array(self.classes, dtype=object)[index]

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, **self._classes.params()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        codec = cls()
        codec._classes.set_params({"categories": data["categories"]})
        return codec


class BinaryLabelCodec(_ClassCodec):
    """The second class in sorted order (True, "yes", 1) is the positive one; it is
    predicted when its probability is at least `threshold` (see data/decisions.py)."""

    task = "binary"

    def __init__(self) -> None:
        super().__init__()
        self.threshold = DEFAULT_THRESHOLD

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        index = predicted_at(self.probabilities(outputs), self.threshold)
        return np.array(self.classes, dtype=object)[index]

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        codec = super().from_dict(data)
        codec.threshold = float(data.get("threshold", DEFAULT_THRESHOLD))
        return codec

    def encode(self, values: Any) -> np.ndarray:
        return (self.indices(values) == 1).astype(np.float32).reshape(-1, 1)

    def probabilities(self, outputs: np.ndarray) -> np.ndarray:
        positive = np.asarray(outputs, dtype=np.float64).reshape(-1, 1)
        return np.hstack([1.0 - positive, positive])


class MulticlassLabelCodec(_ClassCodec):
    task = "multiclass"

    def encode(self, values: Any) -> np.ndarray:
        return self.indices(values)

    def probabilities(self, outputs: np.ndarray) -> np.ndarray:
        return np.asarray(outputs, dtype=np.float64).reshape(-1, len(self.classes))


class RegressionLabelCodec(LabelCodec):
    """Standardizes the target with training statistics so the loss starts near 1.

    With transform "log" it standardizes log(1 + y) instead and decodes with
    exp(.) - 1: a skewed positive label (prices, counts) then costs the loss about
    the same for a relative error on a small value as on a large one.
    """

    task = "regression"

    def __init__(self, transform: str = "none") -> None:
        if transform not in TARGET_TRANSFORMS:
            raise ValueError(f"Unknown target transform {transform!r}; choose {' or '.join(TARGET_TRANSFORMS)}.")
        self.mean, self.std, self.transform = 0.0, 1.0, transform

    def _forward(self, y: np.ndarray) -> np.ndarray:
        if self.transform != "log":
            return y
        if (y[~np.isnan(y)] < 0).any():
            raise TaskError("A log transform of the label needs values of 0 or more; this label has negative ones.")
        return np.log1p(y)

    def fit(self, values: Any) -> Self:
        y = self._forward(as_numbers(values, strict=True))
        y = y[~np.isnan(y)]
        self.mean = float(y.mean()) if y.size else 0.0
        std = float(y.std()) if y.size else 0.0
        self.std = std if std > 0 else 1.0
        return self

    def encode(self, values: Any) -> np.ndarray:
        return ((self._forward(as_numbers(values)) - self.mean) / self.std).astype(np.float32).reshape(-1, 1)

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        values = np.asarray(outputs, dtype=np.float64).reshape(-1) * self.std + self.mean
        return np.expm1(values) if self.transform == "log" else values

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "mean": self.mean, "std": self.std, "transform": self.transform}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        codec = cls(data.get("transform", "none"))
        codec.mean, codec.std = float(data["mean"]), float(data["std"])
        return codec


LABEL_CODECS: dict[str, type[LabelCodec]] = {
    "binary": BinaryLabelCodec,
    "multiclass": MulticlassLabelCodec,
    "regression": RegressionLabelCodec,
}


def make_label_codec(task: str, target_transform: str = "none") -> LabelCodec:
    if task == "regression":
        return RegressionLabelCodec(target_transform)
    return LABEL_CODECS[task]()


def label_codec_from_dict(data: dict[str, Any]) -> LabelCodec:
    return LABEL_CODECS[data["task"]].from_dict(data)
