"""The experiment builder's state: read from the form, proposed from the profile, shown back.

The form is the state (no server-side session): every change posts the whole form,
and the page is re-rendered from it, so the diagram and hints are always in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from app.data.encoders import ENCODER_NAMES, NUMERIC_ENCODERS, default_encoder
from app.db.models import Dataset
from app.jobs.defaults import propose_layers, propose_training
from app.jobs.topology import (
    TaskProposal,
    input_width,
    loss_name,
    output_activation,
    output_units,
    parameter_count,
    propose_task,
)
from app.specs import ExperimentSpec, LayerSpec, SplitSpec, TrainingSpec, validation_messages
from app.web.builder_training import proposed_options, read_training_options

MOSTLY_MISSING_SHARE = 0.5
HIGH_CARDINALITY = 50
IMBALANCE_SHARE = 0.1
MAX_BUILDER_LAYERS = 16
UNSUITABLE_REASONS = {
    "id": "ID-like: a different value in every row, so nothing general to learn",
    "constant": "constant: the same value in every row",
    "text": "free text: not encoded by LayerLab yet",
    "datetime": "a date or time: not encoded by LayerLab yet",
}


@dataclass
class FeatureRow:
    index: int
    name: str
    kind: str
    checked: bool
    encoder: str | None
    encoder_choices: list[str]
    flags: list[str] = field(default_factory=list)
    usable: bool = True


@dataclass
class BuilderState:
    dataset: Dataset
    label: str
    task_requested: str
    proposal: TaskProposal
    features: list[FeatureRow]
    split: SplitSpec
    layers: list[LayerSpec]
    training: TrainingSpec
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def spec_dict(self) -> dict[str, Any]:
        chosen = [row for row in self.features if row.checked and row.usable]
        return {
            "dataset_id": self.dataset.id,
            "label": self.label,
            "features": [row.name for row in chosen],
            "task": self.task_requested,
            "encoders": {row.name: row.encoder for row in chosen},
            "split": self.split.model_dump(),
            "layers": [layer.model_dump() for layer in self.layers],
            "training": self.training.model_dump(),
        }

    @property
    def diagram(self) -> dict[str, Any]:
        columns = _columns(self.dataset)
        chosen = {row.name: row.encoder for row in self.features if row.checked and row.usable and row.encoder}
        task = self.proposal.task or "binary"
        n_in = input_width(columns, chosen)  # type: ignore[arg-type]
        n_out = output_units(task, self.proposal.n_classes)
        return {
            "inputs": n_in,
            "layers": self.layers,
            "outputs": n_out,
            "output_activation": output_activation(task),
            "loss": loss_name(task),
            "parameters": parameter_count(n_in, self.layers, n_out),
        }

    @property
    def split_rows(self) -> dict[str, int]:
        rows = self.dataset.row_count
        train, validation = round(rows * self.split.train), round(rows * self.split.validation)
        return {"train": train, "validation": validation, "test": max(0, rows - train - validation)}


def _columns(dataset: Dataset) -> dict[str, dict[str, Any]]:
    return {column["name"]: column for column in dataset.profile.get("columns", [])}


def default_label(dataset: Dataset) -> str:
    """The last column that could be learned: spreadsheets usually end with the answer."""
    columns = dataset.profile.get("columns", [])
    for column in reversed(columns):
        if column["kind"] not in ("id", "constant", "text") and column["unique"] >= 2:
            return str(column["name"])
    return str(columns[-1]["name"]) if columns else ""


def _flags(column: dict[str, Any], rows: int, leaking: set[str]) -> tuple[list[str], bool]:
    """Reasons to look twice at a column, and whether it starts unchecked."""
    flags, uncheck = [], False
    reason = UNSUITABLE_REASONS.get(column["kind"])
    if reason:
        flags.append(reason)
        uncheck = True
    if rows and column["missing"] / rows > MOSTLY_MISSING_SHARE:
        flags.append(f"mostly missing ({100 * column['missing'] / rows:.0f} % of rows)")
        uncheck = True
    if column["kind"] == "categorical" and column["unique"] > HIGH_CARDINALITY:
        flags.append(f"many categories ({column['unique']:,}): one-hot makes a wide input")
    if column["name"] in leaking:
        flags.append("predicts the label perfectly: leakage?")
    return flags, uncheck


def _encoder_choices(kind: str) -> list[str]:
    if kind in ("numeric", "integer"):
        return [name for name in ENCODER_NAMES if name in NUMERIC_ENCODERS or kind == "integer"]
    return [name for name in ENCODER_NAMES if name not in NUMERIC_ENCODERS]


def _imbalance_note(label: dict[str, Any], rows: int) -> str | None:
    top = label.get("top") or []
    if not top or label["kind"] in ("numeric",) or not rows:
        return None
    smallest = min(top, key=lambda item: item["count"])
    share = smallest["count"] / rows
    if share < IMBALANCE_SHARE:
        return (
            f"The classes are imbalanced: “{smallest['value']}” is only {100 * share:.1f} % of the rows, "
            "so accuracy can look good while that class is missed; watch balanced accuracy."
        )
    return None


class _FormReader:
    """Reads typed values from the form, collecting a sentence for each unreadable one."""

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.problems: list[str] = []

    def number(self, name: str, label: str, default: float, whole: bool = False, blank: Any = ...) -> Any:
        raw = str(self.form.get(name, "")).strip()
        if raw == "":
            return default if blank is ... else blank
        try:
            value = float(raw)
        except ValueError:
            self.problems.append(f"{label}: “{raw}” is not a number.")
            return default
        if whole:
            if not value.is_integer():
                self.problems.append(f"{label}: “{raw}” must be a whole number.")
                return default
            return int(value)
        return value

    def numbers(self, name: str, label: str, default: float, whole: bool = False) -> list[Any]:
        values = []
        for position, raw in enumerate(self.form.getlist(name), start=1):
            raw = str(raw).strip()
            try:
                value = float(raw)
                if whole and not value.is_integer():
                    raise ValueError
                values.append(int(value) if whole else value)
            except ValueError:
                kind = "a whole number" if whole else "a number"
                self.problems.append(f"Layer {position}: {label} “{raw}” must be {kind}.")
                values.append(default)
        return values


def _build(
    dataset: Dataset,
    label: str,
    task: str,
    checked: set[str] | None,
    encoders: dict[str, str],
    split: SplitSpec,
    layers: list[LayerSpec],
    training: TrainingSpec,
    leaking: set[str],
) -> BuilderState:
    columns = _columns(dataset)
    rows = dataset.row_count
    label_column = columns.get(label)
    proposal = propose_task(label_column, task) if label_column else TaskProposal(None, "Pick a label.", 0)
    features = []
    for index, column in enumerate(dataset.profile.get("columns", [])):
        name, kind = column["name"], column["kind"]
        if name == label:
            continue
        flags, uncheck = _flags(column, rows, leaking)
        suggested = default_encoder(kind)
        choices = _encoder_choices(kind)
        encoder = encoders.get(name) if encoders.get(name) in choices else suggested
        usable = suggested is not None or name in encoders
        is_checked = (not uncheck and usable) if checked is None else (name in checked)
        features.append(FeatureRow(index, name, kind, is_checked, encoder, choices, flags, usable))
    state = BuilderState(dataset, label, task, proposal, features, split, layers, training)
    if label_column:
        note = _imbalance_note(label_column, rows) if proposal.task != "regression" else None
        if note:
            state.notes.append(note)
    return state


def initial_state(dataset: Dataset, leaking: set[str], spec: ExperimentSpec | None = None) -> BuilderState:
    """Proposals from the profile, or a previous experiment's spec ("duplicate and tweak")."""
    if spec is not None:
        checked = set(spec.features) if spec.features else None
        return _build(
            dataset,
            spec.label,
            spec.task,
            checked,
            dict(spec.encoders),
            spec.split,
            list(spec.layers),
            spec.training,
            leaking,
        )
    label = default_label(dataset)
    draft = _build(dataset, label, "auto", None, {}, SplitSpec(), [LayerSpec()], TrainingSpec(), leaking)
    task = draft.proposal.task or "binary"
    train_rows = draft.split_rows["train"]
    draft.layers = propose_layers(task, train_rows, draft.diagram["inputs"], draft.proposal.n_classes)
    draft.training = propose_training(task, train_rows).model_copy(update=proposed_options(draft))
    return draft


def state_from_form(dataset: Dataset, form: FormData, leaking: set[str]) -> BuilderState:
    reader = _FormReader(form)
    columns = dataset.profile.get("columns", [])
    label = str(form.get("label", "")) or default_label(dataset)
    by_index = {str(index): column["name"] for index, column in enumerate(columns)}
    checked = {by_index[value] for value in map(str, form.getlist("feature")) if value in by_index}
    encoders = {
        column["name"]: str(form[f"encoder-{index}"])
        for index, column in enumerate(columns)
        if f"encoder-{index}" in form
    }
    problems: list[str] = []
    try:
        split = SplitSpec(
            train=reader.number("split-train", "Training share", 67) / 100,
            validation=reader.number("split-validation", "Validation share", 21) / 100,
            test=reader.number("split-test", "Test share", 12) / 100,
            stratify=form.get("stratify") == "on",
            seed=reader.number("split-seed", "Split seed", 0, whole=True),
            folds=reader.number("split-folds", "Cross-validation folds", None, whole=True, blank=None),
        )
    except ValidationError as error:
        problems += [f"Split: {message}." for message in validation_messages(error)]
        split = SplitSpec()
    units = reader.numbers("layer-units", "units", 64, whole=True)
    dropouts = reader.numbers("layer-dropout", "dropout", 0.0)
    activations = [str(value) for value in form.getlist("layer-activation")]
    batchnorm = {str(value) for value in form.getlist("layer-batchnorm")}
    layers = []
    for position, (unit, activation, dropout) in enumerate(zip(units, activations, dropouts, strict=False)):
        try:
            layers.append(
                LayerSpec(
                    units=unit,
                    activation=activation,
                    dropout=dropout,  # type: ignore[arg-type]
                    batchnorm=str(position) in batchnorm,
                )
            )
        except ValidationError as error:
            problems += [f"Layer {position + 1}: {m.split(': ', 1)[-1]}." for m in validation_messages(error)]
            layers.append(LayerSpec())
    try:
        training = TrainingSpec(
            optimizer=str(form.get("optimizer", "adam")),  # type: ignore[arg-type]
            learning_rate=reader.number("learning_rate", "Learning rate", 0.001),
            batch_size=reader.number("batch_size", "Batch size", 32, whole=True),
            epochs=reader.number("epochs", "Epochs", 200, whole=True),
            early_stopping_patience=reader.number("patience", "Patience", 20, whole=True, blank=None),
            weight_decay=reader.number("weight_decay", "Weight decay", 0.0),
            seed=reader.number("seed", "Seed", 0, whole=True),
            **read_training_options(form),
        )
    except ValidationError as error:
        problems += [f"Training: {message}." for message in validation_messages(error)]
        training = TrainingSpec()
    state = _build(
        dataset,
        label,
        str(form.get("task", "auto")),
        checked,
        encoders,
        split,
        layers,
        training,
        leaking,
    )
    state.problems = reader.problems + problems
    return state


def apply_layer_operation(state: BuilderState, operation: str) -> None:
    """`add`, `remove-N`, `up-N`, `down-N` on the hidden layers (N counts from 0)."""
    layers = state.layers
    name, _, raw_index = operation.partition("-")
    if name == "add":
        if len(layers) < MAX_BUILDER_LAYERS:
            layers.append(LayerSpec(units=layers[-1].units if layers else 32))
        return
    if not raw_index.isdigit() or int(raw_index) >= len(layers):
        return
    index = int(raw_index)
    if name == "remove":
        layers.pop(index)
    elif name == "up" and index > 0:
        layers[index - 1], layers[index] = layers[index], layers[index - 1]
    elif name == "down" and index < len(layers) - 1:
        layers[index + 1], layers[index] = layers[index], layers[index + 1]
