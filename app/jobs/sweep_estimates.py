"""How long a sweep (or one experiment) takes: the engine's cost model, scaled by the
runs of this dataset that already finished (sweeps.py expands the sweep itself)."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.data.encoders import default_encoder, encoded_width
from app.data.tasks import task_of_profile
from app.jobs.sweeps import SweepRequest
from app.specs import ExperimentSpec

# Measured here on the engine (one BLAS thread, float32, Adam): an epoch costs about
# 0.2 ms per batch plus 0.65 ns per row and multiply-add of the network (forward and
# backward), e.g. 4,000 rows through 10→256→256→1 in batches of 32: 0.20 s per epoch.
SECONDS_PER_BATCH = 2.0e-4
SECONDS_PER_ROW_MAC = 6.5e-10
SECONDS_PER_EXPERIMENT = 1.5  # reading the CSV, encoding, evaluating, saving the model


@dataclass(frozen=True)
class DataShape:
    train_rows: int
    inputs: int
    outputs: int


def data_shape(spec: ExperimentSpec, profile: Mapping[str, Any], row_count: int) -> DataShape:
    """Rows and encoded widths of a spec on a dataset, from the stored profile alone."""
    columns = {column["name"]: column for column in profile.get("columns", [])}
    chosen = spec.features or [
        name for name, column in columns.items() if name != spec.label and default_encoder(column["kind"])
    ]
    inputs = 0
    for name in chosen:
        column = columns.get(name)
        encoder = spec.encoders.get(name) or (default_encoder(column["kind"]) if column else None)
        if column and encoder:
            inputs += encoded_width(encoder, int(column.get("unique") or 0), int(column.get("missing") or 0))
    label = columns.get(spec.label, {})
    classes = int(label.get("unique") or 2)
    task = spec.task if spec.task != "auto" else task_of_profile(str(label.get("kind", "")), classes)
    regression = task == "regression"
    outputs = 1 if regression or classes <= 2 else classes
    return DataShape(max(1, round(row_count * spec.split.train)), max(1, inputs), outputs)


def epoch_seconds(spec: ExperimentSpec, shape: DataShape) -> float:
    """The modelled time of one epoch of this spec."""
    widths = [shape.inputs] + [layer.units for layer in spec.layers] + [shape.outputs]
    macs = sum(a * b for a, b in itertools.pairwise(widths))
    batches = math.ceil(shape.train_rows / spec.training.batch_size)
    return SECONDS_PER_BATCH * batches + SECONDS_PER_ROW_MAC * shape.train_rows * macs


@dataclass(frozen=True)
class PastRun:
    """A finished experiment of the same dataset: what it cost, against the model."""

    spec: ExperimentSpec
    seconds: float
    epochs_done: int


@dataclass(frozen=True)
class Estimate:
    experiments: int
    configs: int
    seconds: float  # the wall time with `workers` workers
    basis: str  # how it was reached, as a sentence


def estimate(request: SweepRequest, shape: DataShape, past: Sequence[PastRun], workers: int) -> Estimate:
    """Modelled epoch time × epochs, corrected by this dataset's finished experiments.

    With past runs, the model's error on them (median of observed / modelled time per
    epoch) scales every epoch, and the share of the epoch budget they used before
    early stopping scales the epochs; without, every run is assumed to use its budget.
    """
    specs = [spec for _, spec in request.experiment_specs()]
    scale, share = 1.0, 1.0
    usable = [run for run in past if run.epochs_done > 0 and run.seconds > 0]
    if usable:
        ratios = [
            max(run.seconds - SECONDS_PER_EXPERIMENT, 0.01) / run.epochs_done / epoch_seconds(run.spec, shape)
            for run in usable
        ]
        scale = min(max(statistics.median(ratios), 0.1), 10.0)
        share = statistics.median(min(1.0, run.epochs_done / run.spec.training.epochs) for run in usable)
        basis = f"timed against {len(usable)} finished experiment{'s' if len(usable) > 1 else ''} of this dataset"
    else:
        basis = "a rough guess from the data's size, which improves once an experiment of this dataset has finished"
    serial = sum(
        SECONDS_PER_EXPERIMENT + scale * epoch_seconds(spec, shape) * max(1, round(spec.training.epochs * share))
        for spec in specs
    )
    parallel = max(1, workers)
    return Estimate(len(specs), request.config_count, serial / min(parallel, max(1, len(specs))), basis)


def duration_text(seconds: float) -> str:
    """`under a minute`, `about 4 minutes`, `about 1.5 hours`."""
    if seconds < 60:
        return "under a minute"
    if seconds < 90 * 60:
        minutes = round(seconds / 60)
        return f"about {minutes} minute{'s' if minutes > 1 else ''}"
    return f"about {seconds / 3600:.1f} hours"
