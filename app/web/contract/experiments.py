"""Experiments: a summary in lists, the detail for one, and one row per epoch."""

from __future__ import annotations

from pydantic import Field

from app.data.tasks import Task
from app.db.models import ExperimentStatus
from app.web.contract.common import Contract, JsonObject, Timestamp


class ExperimentSummary(Contract):
    id: int
    dataset_id: int
    status: ExperimentStatus
    task: Task | None = Field(description="null until the run starts")
    label: str | None
    topology: str = Field(description="The hidden layers in short, e.g. `64-32 relu`")
    epochs_done: int
    epochs_total: int
    best_epoch: int | None
    validation_metric: float | None = Field(description="The headline metric: accuracy, or R² for regression")
    test_metric: float | None = Field(description="null while a sweep keeps its test split blind")
    duration_seconds: float | None
    created_at: Timestamp
    sweep_id: int | None
    sweep_config: int | None
    test_hidden: bool = Field(description="A sweep run whose test split stays blind until it is picked")


class ExperimentDetail(ExperimentSummary):
    spec: JsonObject = Field(description="The experiment spec as stored (see ExperimentSpec)")
    error: str | None
    metrics: dict[str, dict[str, float | None]] | None = Field(description="Per split (train, validation, test)")
    summary: JsonObject | None = Field(description="What training decided: features, sizes, stop reason, details")
    queue_position: int | None
    cancel_requested: bool
    parent_id: int | None = Field(description="The experiment this one continues training from")
    parent_epoch: int | None
    pause_requested: bool
    started_at: Timestamp | None
    finished_at: Timestamp | None
    missing_tokens: list[str] | None
    worker_address: str | None = Field(description="The Dask worker that ran it; null on the local pool")


class Epoch(Contract):
    epoch: int
    train_loss: float | None
    val_loss: float | None
    train_metric: float | None
    val_metric: float | None
    seconds: float
