"""Sweeps: the estimate before starting, a summary in lists, and the blind leaderboard."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.data.tasks import Task
from app.db.models import ExperimentStatus
from app.web.contract.common import Contract, JsonObject, Timestamp

SweepValue = str | int | float | bool | None  # a hyperparameter's value in one configuration
# A sweep's state, read off its runs (web/sweeps.py `sweep_status`).
SweepStatus = Literal["queued", "running", "completed", "failed", "cancelled"]


class SweepEstimate(Contract):
    experiments: int
    configs: int
    seconds: float = Field(description="About how long the sweep takes with `workers` workers")
    workers: int
    basis: str = Field(description="How the estimate was reached, as a sentence")


class LeaderboardRun(Contract):
    experiment_id: int
    status: ExperimentStatus
    validation_metric: float | None


class LeaderboardRow(Contract):
    """A configuration, ranked on its mean validation score; test scores only once revealed."""

    config: int = Field(description="The configuration's number, from 1")
    values: dict[str, SweepValue]
    label: str
    runs: list[LeaderboardRun]
    total: int
    done: int
    completed: int
    validation_mean: float | None
    validation_std: float | None
    rank: int | None
    best: bool
    test_mean: float | None = Field(default=None, description="Only in the revealed configuration's row")
    test_std: float | None = Field(default=None, description="Only in the revealed configuration's row")


class SweepProgress(Contract):
    done: int
    total: int
    queued: int
    running: int
    completed: int
    failed: int
    cancelled: int
    interrupted: int
    paused: int | None = Field(default=None, description="Present while a run is paused")


class SweepSummary(Contract):
    id: int
    dataset_id: int
    dataset_name: str
    status: SweepStatus
    strategy: Literal["grid", "random"]
    configs: int
    repeats: int
    done: int
    total: int
    best_validation: float | None
    created_at: Timestamp


class SweepDetail(Contract):
    id: int
    dataset_id: int
    status: SweepStatus
    strategy: Literal["grid", "random"]
    samples: int | None
    repeats: int
    base: JsonObject = Field(description="The base experiment spec")
    space: dict[str, list[SweepValue]] = Field(description="The values tried per hyperparameter")
    task: Task | None
    metric: Literal["accuracy", "r2"] | None = Field(description="The ranking metric: accuracy, or R² for regression")
    progress: SweepProgress
    estimate_seconds: float | None
    best_config: int | None
    revealed_config: int | None
    leaderboard: list[LeaderboardRow]
    experiment_ids: list[int]
    created_at: Timestamp
