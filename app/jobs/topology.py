"""What a spec would build, known before training: the task a label implies, the input
width after encoding, the output layer, the loss, and the parameter count.

It reads only the dataset's stored profile, so the builder page can redraw its
diagram on every change without loading the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.data.encoders import encoded_width
from app.data.tasks import task_of_profile
from app.jobs.fitted_pipeline import LOSS_OF_TASK, OUTPUT_OF_TASK
from app.specs import LayerSpec

LOSS_NAMES = {
    "binary_crossentropy": "binary cross-entropy",
    "categorical_crossentropy": "categorical cross-entropy",
    "mse": "mean squared error",
    "mae": "mean absolute error",
    "huber": "Huber",
}


@dataclass(frozen=True)
class TaskProposal:
    task: str | None  # None: the label cannot be learned
    explanation: str
    n_classes: int


def propose_task(label: Mapping[str, Any], requested: str = "auto") -> TaskProposal:
    """Mirror of the pipeline's detection, from the label column's profile alone."""
    name, kind, distinct = label["name"], label["kind"], int(label["unique"])
    detected = task_of_profile(kind, distinct)
    if detected is None:
        return TaskProposal(None, f"“{name}” has only {distinct} value(s): there is nothing to learn.", distinct)
    task = detected if requested == "auto" else requested
    sentences = {
        "binary": f"“{name}” has 2 values: this is binary classification (is it one or the other?).",
        "multiclass": f"“{name}” has {distinct} values: this is multi-class classification (which one?).",
        "regression": f"“{name}” is a number with {distinct:,} distinct values: this is regression (how much?).",
    }
    return TaskProposal(task, sentences[task], distinct)


def output_units(task: str, n_classes: int) -> int:
    return n_classes if task == "multiclass" else 1


def input_width(columns: Mapping[str, Mapping[str, Any]], encoders: Mapping[str, str]) -> int:
    """Encoded width of the chosen features (one-hot counts the categories seen)."""
    return sum(
        encoded_width(encoder, int(columns[name]["unique"]), int(columns[name]["missing"]))
        for name, encoder in encoders.items()
    )


def parameter_count(n_inputs: int, layers: Sequence[LayerSpec], n_outputs: int) -> int:
    """Weights and biases of every dense layer, plus batch norm's scale and shift."""
    total, width = 0, n_inputs
    for layer in layers:
        total += width * layer.units + layer.units
        if layer.batchnorm:
            total += 2 * layer.units
        width = layer.units
    return total + width * n_outputs + n_outputs


def output_activation(task: str) -> str:
    return OUTPUT_OF_TASK[task]


def loss_name(task: str) -> str:
    return LOSS_NAMES[LOSS_OF_TASK[task]]
