"""Training settings read off a dataset's stored profile, before any row is loaded:
the task the label most likely poses, the settings that do not fit it, and what the
builder proposes (class weights, a log transform, robust scaling) with a sentence why.

The worker checks again on the real rows (`specs.training_problems` after the task is
resolved); this catches the common mistakes at once, on every request.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.data.stored_profile import StoredColumn
from app.data.tasks import MAX_INTEGER_CLASSES, Task
from app.specs import ExperimentSpec, training_problems

MINORITY_SHARE = 0.15  # a smallest class below this share of rows gets balanced weights proposed
SKEW = 0.5  # Pearson's median skewness 3 (mean - median) / std above this reads as skewed
HEAVY_TAIL = 5.0  # a maximum more than this many interquartile ranges above q3 is a heavy tail


def likely_task(column: StoredColumn) -> Task:
    """The task `detect_task` would find for a label with this profile."""
    if column.unique == 2:
        return "binary"
    if column.kind == "numeric" or (column.kind == "integer" and column.unique > MAX_INTEGER_CLASSES):
        return "regression"
    return "multiclass"


def profile_problems(spec: ExperimentSpec, label: StoredColumn) -> list[str]:
    """Sentences for training settings that do not fit this label's (likely) task."""
    task = spec.task if spec.task != "auto" else likely_task(label)
    problems = training_problems(spec.training, task)
    low = label.stat("min")
    if task == "regression" and spec.training.target_transform == "log" and low is not None and low < 0:
        problems.append(f'A log transform of "{spec.label}" needs values of 0 or more, but its smallest is {low:g}.')
    return problems


def minority_share(label: StoredColumn, rows: int) -> float | None:
    top = label.top
    if not rows or not top or len(top) < label.unique:
        return None  # not every class is listed: the smallest is unknown
    return min(item.count for item in top) / rows


def is_skewed_positive(label: StoredColumn) -> bool:
    low, mean, median, std = (label.stat(key) for key in ("min", "mean", "median", "std"))
    if low is None or mean is None or median is None or std is None or low < 0 or not std:
        return False
    return 3 * (mean - median) / std > SKEW


def has_heavy_tail(column: StoredColumn) -> bool:
    q1, q3, high = column.stat("q1"), column.stat("q3"), column.stat("max")
    if q1 is None or q3 is None or high is None or q3 <= q1:
        return False
    return (high - q3) > HEAVY_TAIL * (q3 - q1)


def proposals(label: StoredColumn, rows: int, task: str) -> dict[str, str]:
    """Setting name -> the sentence that explains why the builder proposes it."""
    found: dict[str, str] = {}
    share = minority_share(label, rows) if task != "regression" else None
    if share is not None and share < MINORITY_SHARE:
        found["class_weight"] = (
            f"The rarest class is {share:.0%} of the rows: with balanced class weights each class counts "
            "as much in the loss, so the network does not learn to predict the common class for everyone."
        )
    if task == "regression" and is_skewed_positive(label):
        found["target_transform"] = (
            f'“{label.name}” is positive and skewed (a few large values): learning its logarithm '
            "weighs a 10 % error the same on small and large values; predictions come back in its units."
        )
    return found


def heavy_tailed_features(columns: Mapping[str, StoredColumn], features: list[str]) -> list[str]:
    """Numeric features whose largest values lie far out: robust scaling suits them."""
    return [name for name in features if (column := columns.get(name)) is not None
            and column.kind in ("numeric", "integer") and has_heavy_tail(column)]
