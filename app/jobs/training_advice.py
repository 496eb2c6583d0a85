"""Training settings read off a dataset's stored profile, before any row is loaded:
the task the label most likely poses, the settings that do not fit it, and what the
builder proposes (class weights, a log transform, robust scaling) with a sentence why.

The worker checks again on the real rows (`specs.training_problems` after the task is
resolved); this catches the common mistakes at once, on every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.data.tasks import MAX_INTEGER_CLASSES
from app.specs import ExperimentSpec, training_problems

MINORITY_SHARE = 0.15  # a smallest class below this share of rows gets balanced weights proposed
SKEW = 0.5  # Pearson's median skewness 3 (mean - median) / std above this reads as skewed
HEAVY_TAIL = 5.0  # a maximum more than this many interquartile ranges above q3 is a heavy tail


def likely_task(column: Mapping[str, Any]) -> str:
    """The task `detect_task` would find for a label with this profile."""
    unique = int(column.get("unique") or 0)
    if unique == 2:
        return "binary"
    if column.get("kind") == "numeric" or (column.get("kind") == "integer" and unique > MAX_INTEGER_CLASSES):
        return "regression"
    return "multiclass"


def profile_problems(spec: ExperimentSpec, label: Mapping[str, Any]) -> list[str]:
    """Sentences for training settings that do not fit this label's (likely) task."""
    task = spec.task if spec.task != "auto" else likely_task(label)
    problems = training_problems(spec.training, task)
    low = (label.get("stats") or {}).get("min")
    if task == "regression" and spec.training.target_transform == "log" and low is not None and low < 0:
        problems.append(f'A log transform of "{spec.label}" needs values of 0 or more, but its smallest is {low:g}.')
    return problems


def minority_share(label: Mapping[str, Any], rows: int) -> float | None:
    top = label.get("top") or []
    if not rows or not top or len(top) < int(label.get("unique") or 0):
        return None  # not every class is listed: the smallest is unknown
    return min(int(item["count"]) for item in top) / rows


def is_skewed_positive(label: Mapping[str, Any]) -> bool:
    stats = label.get("stats") or {}
    low, mean, median, std = (stats.get(key) for key in ("min", "mean", "median", "std"))
    if None in (low, mean, median, std) or low < 0 or not std:
        return False
    return 3 * (mean - median) / std > SKEW


def has_heavy_tail(column: Mapping[str, Any]) -> bool:
    stats = column.get("stats") or {}
    q1, q3, high = stats.get("q1"), stats.get("q3"), stats.get("max")
    if None in (q1, q3, high) or q3 <= q1:
        return False
    return (high - q3) > HEAVY_TAIL * (q3 - q1)


def proposals(label: Mapping[str, Any], rows: int, task: str) -> dict[str, str]:
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
            f'“{label.get("name")}” is positive and skewed (a few large values): learning its logarithm '
            "weighs a 10 % error the same on small and large values; predictions come back in its units."
        )
    return found


def heavy_tailed_features(columns: Mapping[str, Mapping[str, Any]], features: list[str]) -> list[str]:
    """Numeric features whose largest values lie far out: robust scaling suits them."""
    return [name for name in features
            if columns.get(name, {}).get("kind") in ("numeric", "integer") and has_heavy_tail(columns[name])]
