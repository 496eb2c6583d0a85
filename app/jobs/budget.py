"""What a spec costs before it is queued: memory to train it and seconds per epoch.

A 16 × 4,096-unit network was once accepted, grew its worker to 6 GB and ran for
days per epoch. The estimate counts what training holds in memory (float32):
weights, gradients, the best weights kept for early stopping, the optimizer's
scratch and state, a minibatch's activations, the evaluation chunk, and the encoded
rows; time per epoch is the sweep estimate's model of the engine.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from app.jobs.sweep_estimates import DataShape, epoch_seconds
from app.specs import ExperimentSpec

BYTES_PER_FLOAT = 4
# weights, gradients, best weights, optimizer scratch, and the optimizer's own state
ARRAYS_PER_PARAMETER = {"sgd": 5, "momentum": 5, "nesterov": 5, "rmsprop": 5, "adam": 6, "adamw": 6}
ACTIVATION_COPIES = 4  # outputs, pre-activations, deltas, dropout masks per unit and row
EVALUATION_ROWS = 8192  # the engine evaluates in chunks of this many rows
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class TrainingCost:
    parameters: int
    memory_mb: float
    epoch_seconds: float


def training_cost(spec: ExperimentSpec, shape: DataShape) -> TrainingCost:
    widths = [shape.inputs] + [layer.units for layer in spec.layers] + [shape.outputs]
    parameters = sum((a + 1) * b for a, b in itertools.pairwise(widths))
    parameters += sum(2 * layer.units for layer in spec.layers if layer.batchnorm)
    batch = min(spec.training.batch_size, shape.train_rows)
    activations = (batch * ACTIVATION_COPIES + EVALUATION_ROWS) * sum(widths)
    all_rows = round(shape.train_rows / spec.split.train)
    data = (all_rows + shape.train_rows) * (shape.inputs + shape.outputs)  # every split, and a shuffled copy
    floats = parameters * ARRAYS_PER_PARAMETER.get(spec.training.optimizer, 6) + activations + data
    return TrainingCost(parameters, floats * BYTES_PER_FLOAT / MEGABYTE, epoch_seconds(spec, shape))


def budget_problem(
    spec: ExperimentSpec, shape: DataShape, *, max_memory_mb: float, max_epoch_seconds: float
) -> str | None:
    """A sentence with the estimate and the limit when this spec is too large to train here."""
    cost = training_cost(spec, shape)
    if cost.memory_mb > max_memory_mb:
        return (
            f"This network needs about {cost.memory_mb:,.0f} MB of memory to train ({cost.parameters:,} weights); "
            f"the limit is {max_memory_mb:,g} MB (LAYERLAB_MAX_MODEL_MEMORY_MB). Use fewer or smaller layers."
        )
    if cost.epoch_seconds > max_epoch_seconds:
        return (
            f"One epoch of this network would take about {_seconds(cost.epoch_seconds)} s on this data; "
            f"the limit is {max_epoch_seconds:g} s per epoch (LAYERLAB_MAX_EPOCH_SECONDS). "
            "Use fewer or smaller layers, or a larger batch size."
        )
    return None


def _seconds(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"
