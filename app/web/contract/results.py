"""What a finished experiment gives back as JSON: its decision threshold, its largest
errors, predictions for new rows, and cross-validation."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.data.tasks import Task
from app.db.models import CrossValidationStatus
from app.web.contract.common import Contract, JsonObject, StoredDocument


class ThresholdResult(Contract):
    id: int
    decision: JsonObject | None = Field(description="The binary decision: threshold, the chosen one, per split counts")
    metrics: dict[str, dict[str, float | None]] | None = Field(description="Per split, rescored at the threshold")


class LargestErrors(Contract):
    split: str = Field(description="train, validation or test")
    task: Task
    threshold: float | None = Field(description="The binary decision threshold; null for other tasks")
    rows: list[JsonObject] = Field(description="Worst first: row, actual, predicted, probabilities, inputs")


class Predictions(Contract):
    """JSON rows in, these out: each row's own fields, then `predicted`, probabilities, `notes`."""

    predictions: list[dict[str, Any]]


class FoldResult(StoredDocument):
    fold: int
    train_rows: int
    validation_rows: int
    metrics: dict[str, float | None]
    best_epoch: int | None = None
    stop_reason: str | None = None
    curve: list[JsonObject] = Field(default_factory=list)


class CrossValidation(StoredDocument):
    """k-fold results as stored while and after the folds train (jobs/cross_validation.py)."""

    experiment_id: int
    k: int
    status: CrossValidationStatus
    folds: list[FoldResult]
    task: Task | None = None
    metric: str | None = None
    rows: int | None = None
    test_rows: int | None = None
    mean: dict[str, float | None] | None = None
    std: dict[str, float | None] | None = None
    error: str | None = None
