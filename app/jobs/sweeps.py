"""Sweeps: a base spec and lists of hyperparameter values, expanded into experiment specs;
and a leaderboard of configurations (sweep_estimates.py says how long a sweep takes).

Expansion. `hidden_layers` × `units` means N hidden layers of U units each, every
layer otherwise a copy of the base's first layer; `units` alone resizes every base
layer; `activation`, `dropout` and `batchnorm` apply to every hidden layer; the
rest are training settings. A grid takes every combination; a random sweep takes
`samples` distinct combinations of that grid, drawn with the base's training seed
(so the same request always gives the same sweep).

Repeats. Repeat r trains with the training seed base + r (initial weights, dropout
and batch order change) on the same split (the split seed is kept): every run of
every configuration is scored on the same validation rows, so the spread over
repeats is the spread of training itself, and the test rows stay the same held-out
rows for the configuration the user finally picks.

Experiments are queued repeat by repeat (every configuration once, then every
configuration again), so the leaderboard covers the whole space early and the
rest can be cancelled once the picture is clear.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.data.evaluation import headline_score
from app.db.models import ExperimentStatus
from app.specs import (
    MAX_LAYERS,
    ExperimentSpec,
    HiddenActivation,
    LayerSpec,
    OptimizerName,
    TrainingSpec,
    validation_messages,
)

MAX_SWEEP_EXPERIMENTS = 200
MAX_REPEATS = 10
MAX_SPACE_VALUES = 1000  # distinct values of one hyperparameter
LAYER_KEYS = ("hidden_layers", "units", "activation", "dropout", "batchnorm")
TRAINING_KEYS = ("optimizer", "learning_rate", "batch_size", "weight_decay")
SPACE_KEYS = LAYER_KEYS + TRAINING_KEYS
SPACE_LABELS = {
    "hidden_layers": "hidden layers",
    "units": "units per layer",
    "activation": "activation",
    "dropout": "dropout",
    "batchnorm": "batch norm",
    "optimizer": "optimizer",
    "learning_rate": "learning rate",
    "batch_size": "batch size",
    "weight_decay": "weight decay",
}


class SweepSpace(BaseModel):
    """Lists of values to try, by hyperparameter; a missing key keeps the base's value."""

    model_config = ConfigDict(extra="forbid")

    hidden_layers: list[Annotated[int, Field(ge=0, le=MAX_LAYERS)]] | None = None
    units: list[int] | None = None
    activation: list[HiddenActivation] | None = None
    dropout: list[float] | None = None
    batchnorm: list[bool] | None = None
    optimizer: list[OptimizerName] | None = None
    learning_rate: list[float] | None = None
    batch_size: list[int] | None = None
    weight_decay: list[float] | None = None

    @field_validator(*SPACE_KEYS)
    @classmethod
    def _non_empty_distinct(cls, values: list[Any] | None) -> list[Any] | None:
        if values is None:
            return None
        if not values:
            raise ValueError("give at least one value, or leave it out to keep the base's value")
        distinct = list(dict.fromkeys(values))  # one pass; a list scan per value was quadratic
        if len(distinct) > MAX_SPACE_VALUES:
            raise ValueError(f"give at most {MAX_SPACE_VALUES:,} different values, not {len(distinct):,}")
        return distinct

    def lists(self) -> dict[str, list[Any]]:
        """The varied hyperparameters, in SPACE_KEYS order."""
        return {key: values for key in SPACE_KEYS if (values := getattr(self, key)) is not None}


class SweepRequest(BaseModel):
    """`POST /api/sweeps`: a base spec, the space, grid or random, and repeats."""

    model_config = ConfigDict(extra="forbid")

    base: ExperimentSpec
    space: SweepSpace = Field(default_factory=SweepSpace)
    strategy: Literal["grid", "random"] = "grid"
    samples: Annotated[int, Field(ge=1)] | None = None
    repeats: Annotated[int, Field(ge=1, le=MAX_REPEATS)] = 1

    @model_validator(mode="after")
    def _check(self) -> SweepRequest:
        if self.strategy == "random" and self.samples is None:
            raise ValueError("A random sweep needs `samples`: how many combinations to draw")
        for key, values in self.space.lists().items():
            for value in values:
                problem = _value_problem(self.base, key, value)
                if problem:
                    raise ValueError(f"{SPACE_LABELS[key].capitalize()} {show_value(value)}: {problem}")
        total = self.experiment_count
        if total > MAX_SWEEP_EXPERIMENTS:
            raise ValueError(
                f"This sweep makes {total:,} experiments ({self.config_count:,} configurations × "
                f"{self.repeats} repeat{'s' if self.repeats > 1 else ''}); the most is {MAX_SWEEP_EXPERIMENTS}. "
                "Use fewer values, "
                "a random sample, or fewer repeats"
            )
        return self

    @property
    def grid_size(self) -> int:
        return math.prod(len(values) for values in self.space.lists().values())

    @property
    def config_count(self) -> int:
        if self.strategy == "random" and self.samples is not None:
            return min(self.samples, self.grid_size)
        return self.grid_size

    @property
    def experiment_count(self) -> int:
        return self.config_count * self.repeats

    def configs(self) -> list[dict[str, Any]]:
        """Each configuration's values of the varied hyperparameters, in order."""
        lists = self.space.lists()
        keys = list(lists)
        if self.strategy == "grid" or self.config_count == self.grid_size:
            return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*lists.values())]
        chosen = sorted(random.Random(self.base.training.seed).sample(range(self.grid_size), self.config_count))
        return [_combination(lists, index) for index in chosen]

    def experiment_specs(self) -> list[tuple[int, ExperimentSpec]]:
        """(configuration number from 1, spec) for every run, repeat by repeat."""
        configs = self.configs()
        return [
            (number, spec_for(self.base, values, repeat))
            for repeat in range(self.repeats)
            for number, values in enumerate(configs, start=1)
        ]


def _combination(lists: Mapping[str, list[Any]], index: int) -> dict[str, Any]:
    """The grid's `index`-th combination (the last key varies fastest, as in itertools.product)."""
    values: dict[str, Any] = {}
    for key in reversed(list(lists)):
        index, position = divmod(index, len(lists[key]))
        values[key] = lists[key][position]
    return {key: values[key] for key in lists}


def spec_for(base: ExperimentSpec, values: Mapping[str, Any], repeat: int = 0) -> ExperimentSpec:
    """The base spec with these hyperparameter values and the training seed of this repeat."""
    data = base.model_dump(mode="json")
    layers = data["layers"]
    template = dict(layers[0]) if layers else {"units": 64, "activation": "relu", "dropout": 0.0, "batchnorm": False}
    if "hidden_layers" in values:
        layers = [dict(template) for _ in range(values["hidden_layers"])]
    for key in ("units", "activation", "dropout", "batchnorm"):
        if key in values:
            for layer in layers:
                layer[key] = values[key]
    data["layers"] = layers
    for key in TRAINING_KEYS:
        if key in values:
            data["training"][key] = values[key]
    data["training"]["seed"] = base.training.seed + repeat
    return ExperimentSpec.model_validate(data)


def _value_problem(base: ExperimentSpec, key: str, value: Any) -> str | None:
    """Why this value cannot be used, checked on the one part of the spec it changes
    (rebuilding the whole base per value made long feature lists quadratic)."""
    if key == "hidden_layers":
        return None  # its bounds are the field's own
    try:
        if key in LAYER_KEYS:
            template = base.layers[0].model_dump() if base.layers else {}
            LayerSpec.model_validate(template | {key: value})
        else:
            TrainingSpec.model_validate(base.training.model_dump() | {key: value})
    except ValidationError as error:
        return "; ".join(message.split(": ", 1)[-1] for message in validation_messages(error))
    return None


def config_label(values: Mapping[str, Any]) -> str:
    """`units 32 · learning rate 0.01`, or `the base spec` when nothing varies."""
    if not values:
        return "the base spec"
    return " · ".join(f"{SPACE_LABELS.get(key, key)} {show_value(value)}" for key, value in values.items())


def show_value(value: Any) -> str:
    """A hyperparameter value as people read it: `0.001`, `on`, `relu`."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


# The leaderboard ------------------------------------------------------------------


headline = headline_score  # the leaderboard ranks on the one headline rule


@dataclass(frozen=True)
class SweepRun:
    experiment_id: int
    config: int
    status: str
    task: str | None
    validation: float | None
    test: float | None


def _mean_std(values: Sequence[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def leaderboard(
    configs: Sequence[Mapping[str, Any]], runs: Sequence[SweepRun], revealed: int | None
) -> list[dict[str, Any]]:
    """Configurations ranked on the mean validation metric over their completed runs.

    Test scores appear only in the row of the `revealed` configuration: the ranking
    and every other row are built from validation alone.
    """
    rows = []
    for number, values in enumerate(configs, start=1):
        own = [run for run in runs if run.config == number]
        completed = [run for run in own if run.status == ExperimentStatus.COMPLETED]
        scored = [run.validation for run in completed if run.validation is not None]
        mean, std = _mean_std(scored)
        row: dict[str, Any] = {
            "config": number,
            "values": dict(values),
            "label": config_label(values),
            "runs": [
                {"experiment_id": run.experiment_id, "status": run.status, "validation_metric": run.validation}
                for run in own
            ],
            "total": len(own),
            "done": sum(run.status not in ExperimentStatus.ACTIVE for run in own),
            "completed": len(scored),
            "validation_mean": mean,
            "validation_std": std,
            "rank": None,
            "best": False,
        }
        if number == revealed:
            tests = [run.test for run in completed if run.test is not None]
            row["test_mean"], row["test_std"] = _mean_std(tests)
        rows.append(row)
    ranked = sorted(
        (row for row in rows if row["validation_mean"] is not None),
        key=lambda row: (-row["validation_mean"], row["config"]),
    )
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    if ranked:
        ranked[0]["best"] = True
    unranked = [row for row in rows if row["validation_mean"] is None]
    return ranked + unranked


def effects(configs: Sequence[Mapping[str, Any]], runs: Sequence[SweepRun]) -> dict[str, list[dict[str, Any]]]:
    """For each varied hyperparameter: its values in order, each with the validation
    scores of every completed run that used it and their mean."""
    if not configs:
        return {}
    scores: dict[int, list[float]] = {}
    for run in runs:
        if run.status == ExperimentStatus.COMPLETED and run.validation is not None:
            scores.setdefault(run.config, []).append(run.validation)
    result: dict[str, list[dict[str, Any]]] = {}
    for key in configs[0]:
        points: dict[str, dict[str, Any]] = {}
        for number, values in enumerate(configs, start=1):
            value = values[key]
            point = points.setdefault(repr(value), {"value": value, "label": show_value(value), "scores": []})
            point["scores"].extend(scores.get(number, []))
        for point in points.values():
            point["mean"] = statistics.fmean(point["scores"]) if point["scores"] else None
        ordered = list(points.values())
        if all(isinstance(point["value"], int | float) for point in ordered):
            ordered.sort(key=lambda point: point["value"])
        result[key] = ordered
    return result
