"""The experiment builder's state: read from the form, proposed from the profile.

The form in the browser is the state (no server-side session): every change posts the
whole form and the server answers with the parts that depend on it (diagram, counts,
hints, the marks on bad fields), never with the inputs themselves, so nothing typed
can be replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from app.data.encoders import ENCODER_NAMES, NUMERIC_ENCODERS, default_encoder
from app.data.label_choice import propose_label
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
from app.specs import ExperimentSpec, LayerSpec, SplitSpec, TrainingSpec
from app.web.builder_fields import FieldReader
from app.web.builder_training import proposed_options
from app.web.ids import parse_whole

MOSTLY_MISSING_SHARE = 0.5
HIGH_CARDINALITY = 50
IMBALANCE_SHARE = 0.1
MAX_BUILDER_LAYERS = 16
CHOOSE_LABEL = "Choose what to predict: nothing in this file stands out as the answer."
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
    default_checked: bool = True  # ticked when it stops being the label
    default_encoder: str | None = None
    is_label: bool = False  # shown hidden, so changing the label needs no re-render


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
    errors: dict[str, str] = field(default_factory=dict)  # input id → what is wrong with it
    notes: list[str] = field(default_factory=list)

    @property
    def chosen(self) -> list[FeatureRow]:
        return [row for row in self.features if row.checked and row.usable and not row.is_label]

    @property
    def spec_dict(self) -> dict[str, Any]:
        chosen = self.chosen
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
        chosen = {row.name: row.encoder for row in self.chosen if row.encoder}
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
    """The proposed label, or "" when nothing stands out (the person picks)."""
    return propose_label(dataset.profile.get("columns", []), dataset.row_count) or ""


def label_explanation(dataset: Dataset, spec: ExperimentSpec) -> str:
    """What predicting the spec's label means: the task, in one sentence."""
    column = _columns(dataset).get(spec.label)
    return propose_task(column, spec.task).explanation if column else CHOOSE_LABEL


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
    returning: str | None = None,
) -> BuilderState:
    """`returning`: the previous label, back among the features with its defaults."""
    columns = _columns(dataset)
    rows = dataset.row_count
    label_column = columns.get(label)
    proposal = propose_task(label_column, task) if label_column else TaskProposal(None, CHOOSE_LABEL, 0)
    features = []
    for index, column in enumerate(dataset.profile.get("columns", [])):
        name, kind = column["name"], column["kind"]
        flags, uncheck = _flags(column, rows, leaking if label_column else set())
        suggested = default_encoder(kind)
        choices = _encoder_choices(kind)
        encoder = encoders.get(name) if encoders.get(name) in choices and name != returning else suggested
        usable = suggested is not None or name in encoders
        default_checked = not uncheck and usable
        is_checked = default_checked if checked is None or name == returning else (name in checked)
        features.append(FeatureRow(index, name, kind, is_checked, encoder, choices, flags, usable,
                                   default_checked, suggested, is_label=name == label))
    state = BuilderState(dataset, label, task, proposal, features, split, layers, training)
    if label_column:
        note = _imbalance_note(label_column, rows) if proposal.task != "regression" else None
        if note:
            state.notes.append(note)
    return state


def initial_state(
    dataset: Dataset, leaking: set[str], spec: ExperimentSpec | None = None, label: str | None = None
) -> BuilderState:
    """Proposals from the profile, or a previous experiment's spec ("duplicate and tweak").

    `label` overrides the proposed label (or the spec's, which then returns as a feature).
    """
    if spec is not None:
        relabelled = label is not None and label != spec.label
        checked = set(spec.features) if spec.features else None
        return _build(
            dataset,
            label if relabelled else spec.label,  # type: ignore[arg-type]
            "auto" if relabelled else spec.task,
            checked,
            dict(spec.encoders),
            spec.split,
            list(spec.layers),
            spec.training,
            leaking,
            returning=spec.label if relabelled else None,
        )
    label = default_label(dataset) if label is None else label
    draft = _build(dataset, label, "auto", None, {}, SplitSpec(), [LayerSpec()], TrainingSpec(), leaking)
    task = draft.proposal.task or "binary"
    train_rows = draft.split_rows["train"]
    draft.layers = propose_layers(task, train_rows, draft.diagram["inputs"], draft.proposal.n_classes)
    draft.training = propose_training(task, train_rows).model_copy(update=proposed_options(draft))
    return draft


def state_from_form(dataset: Dataset, form: FormData, leaking: set[str]) -> BuilderState:
    """The state the form shows. Each bad value is reported on its own input (`errors`)."""
    reader = FieldReader(form)
    columns = dataset.profile.get("columns", [])
    names = {column["name"] for column in columns}
    label = str(form.get("label", ""))
    label = label if label in names else ""
    by_index = {str(index): column["name"] for index, column in enumerate(columns)}
    checked = {by_index[value] for value in map(str, form.getlist("feature")) if value in by_index}
    encoders = {
        column["name"]: str(form[f"encoder-{index}"])
        for index, column in enumerate(columns)
        if f"encoder-{index}" in form
    }
    previous = str(form.get("previous-label", ""))
    returning = previous if previous in names and previous != label else None
    state = _build(
        dataset,
        label,
        str(form.get("task", "auto")),
        checked,
        encoders,
        reader.split(),
        reader.layers(),
        reader.training(),
        leaking,
        returning=returning,
    )
    state.errors = reader.errors
    state.problems = list(dict.fromkeys(reader.errors.values()))
    return state


def apply_layer_operation(state: BuilderState, operation: str) -> None:
    """`add`, `remove-N`, `up-N`, `down-N` on the hidden layers (N counts from 0)."""
    layers = state.layers
    name, _, raw_index = operation.partition("-")
    if name == "add":
        if len(layers) < MAX_BUILDER_LAYERS:
            layers.append(LayerSpec(units=layers[-1].units if layers else 32))
        return
    index = parse_whole(raw_index, maximum=len(layers) - 1) if layers else None
    if index is None:
        return
    if name == "remove":
        layers.pop(index)
    elif name == "up" and index > 0:
        layers[index - 1], layers[index] = layers[index], layers[index - 1]
    elif name == "down" and index < len(layers) - 1:
        layers[index + 1], layers[index] = layers[index], layers[index + 1]
