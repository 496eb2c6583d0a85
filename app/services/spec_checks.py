"""Checks of a spec against a dataset's stored profile, cheap enough for every request.

The worker checks again on the real rows; these catch the common mistakes at once,
each as a sentence naming the column.
"""

from __future__ import annotations

from app.config import Settings
from app.data.splits import MIN_ROWS_PER_CLASS
from app.data.stored_profile import StoredColumn
from app.db.models import Dataset
from app.jobs.budget import budget_problem
from app.jobs.sweep_estimates import data_shape
from app.jobs.training_advice import profile_problems
from app.specs import ExperimentSpec, validate_against_columns


def problems_with_spec(spec: ExperimentSpec, dataset: Dataset) -> list[str]:
    columns = dataset.profile_model.columns_by_name()
    problems = validate_against_columns(spec, {name: c.kind for name, c in columns.items()})
    label = columns.get(spec.label)
    if label is None:
        return problems
    if label.unique < 2:
        problems.append(f'The label "{spec.label}" has only one value, so there is nothing to learn.')
        return problems
    problems.extend(profile_problems(spec, label))
    if spec.split.stratify and spec.task != "regression" and label.kind != "numeric":
        problems.extend(_too_small_classes(spec.label, label))
    return problems


def over_budget(spec: ExperimentSpec, dataset: Dataset, settings: Settings) -> str | None:
    """The estimate of memory and time per epoch against the limits, from the profile alone."""
    return budget_problem(
        spec,
        data_shape(spec, dataset.profile, dataset.row_count),
        max_memory_mb=settings.max_model_memory_mb,
        max_epoch_seconds=settings.max_epoch_seconds,
    )


def _too_small_classes(name: str, label: StoredColumn) -> list[str]:
    small = [item for item in label.top if item.count < MIN_ROWS_PER_CLASS]
    return [
        f'The class "{item.value}" of "{name}" has only {item.count} row(s); a stratified '
        f"split needs at least {MIN_ROWS_PER_CLASS} (one per split). Remove those rows or turn "
        "stratification off."
        for item in small[:3]
    ]
