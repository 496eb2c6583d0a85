"""Inside the network: recorded snapshots with hints, the decision surface, dependence curves."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.data.tasks import Task
from app.db.models import ExperimentStatus
from app.web.contract.common import Contract, JsonObject


class Inspection(Contract):
    id: int
    status: ExperimentStatus
    epochs_done: int
    inputs: list[str] = Field(description="The network's input names, after encoding")
    epochs: list[JsonObject] = Field(description="Per recorded epoch: each layer's norms, histogram, groups")
    hints: list[str] = Field(description="Sentences about what the last snapshot shows")


class Axis(Contract):
    feature: str
    kind: str = Field(description="number or category")
    values: list[Any]


class Surface(Contract):
    x: Axis
    y: Axis
    task: Task
    classes: list[str] | None
    held_at: dict[str, Any] = Field(description="The typical row the other features are held at")
    grid: dict[str, list[Any]] = Field(description="Per output, one value per (y, x) cell, row-major")
    points: dict[str, list[Any]] = Field(description="A sample of training rows to draw on top: x, y, actual")


class Dependence(Contract):
    feature: str
    kind: str
    values: list[Any]
    task: Task
    classes: list[str] | None
    row: dict[str, Any] = Field(description="The row the individual curve starts from")
    individual: dict[str, list[float]]
    average: dict[str, list[float]]
    averaged_rows: int
