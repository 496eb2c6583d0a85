"""The builder's training options beyond the optimizer (issue 11): class weights, the
early-stopping metric, the label's log transform, the learning-rate schedule, the
regression loss, the initializer and gradient clipping.

Plain named form inputs (`templates/_builder_training_options.html`), read here into
TrainingSpec fields, with what the builder proposes for this dataset and why.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from app.data.stored_profile import StoredColumn
from app.jobs.training_advice import heavy_tailed_features, proposals
from app.specs import CLASSIFICATION_STOPPING_METRICS, REGRESSION_STOPPING_METRICS

METRIC_LABELS = {"loss": "loss", "balanced_accuracy": "balanced accuracy", "f1_macro": "F1 (macro)",
                 "roc_auc": "ROC AUC", "r2": "R²", "mae": "mean absolute error"}
SCHEDULES = {
    "constant": "constant",
    "step": "step (halve every 10 epochs)",
    "cosine": "cosine (glide down to 0 by the last epoch)",
    "plateau": "on plateau (halve after 5 epochs without progress)",
}
LOSSES = {"mse": "MSE (squared error)", "mae": "MAE (absolute error)", "huber": "Huber (squared near, absolute far)"}
INITIALIZERS = {"auto": "auto (by activation)", "he_uniform": "He uniform",
                "he_normal": "He normal", "glorot_uniform": "Glorot uniform", "glorot_normal": "Glorot normal"}
PROPOSED_VALUE = {"class_weight": "balanced", "target_transform": "log"}
# Input id (the spec field's name) → the name people read next to it.
TRAINING_OPTION_TITLES = {
    "class_weight": "Class weights", "early_stopping_metric": "Early stopping watches",
    "target_transform": "Label transform", "schedule": "Learning-rate schedule",
    "regression_loss": "Loss", "initializer": "Initial weights", "clip_norm": "Gradient clipping",
}
_CHOICES = ("class_weight", "early_stopping_metric", "target_transform", "schedule", "regression_loss", "initializer")


def read_training_options(form: FormData) -> dict[str, Any]:
    """The options present in the form, as TrainingSpec fields (absent ones keep their default)."""
    options: dict[str, Any] = {name: str(form[name]) for name in _CHOICES if name in form}
    if "clip_norm" in form:
        raw = str(form["clip_norm"]).strip()
        try:
            options["clip_norm"] = float(raw) if raw else None
        except ValueError:
            options["clip_norm"] = raw  # the spec refuses it with a sentence
    return options


def refresh_for_new_label(state: Any, form: FormData) -> bool:
    """After the label changed, propose its class weights or transform afresh, and drop an
    early-stopping metric of the other task. True when the options must be shown again."""
    if str(form.get("options-for", "")) == state.label:
        return False
    regression = state.proposal.task == "regression"
    update: dict[str, Any] = {"class_weight": "none", "target_transform": "none"} | proposed_options(state)
    metric = state.training.early_stopping_metric
    if metric != "loss" and (metric in REGRESSION_STOPPING_METRICS) != regression:
        update["early_stopping_metric"] = "loss"
    if not regression:
        update["regression_loss"] = "mse"
    state.training = state.training.model_copy(update=update)
    return True


def _label_column(state: Any) -> StoredColumn | None:
    return state.dataset.profile_model.column(state.label)


def proposed_options(state: Any) -> dict[str, str]:
    """Setting -> value the builder proposes for this label (balanced weights, log transform)."""
    label = _label_column(state)
    if label is None or state.proposal.task is None:
        return {}
    found = proposals(label, state.dataset.row_count, state.proposal.task)
    return {name: PROPOSED_VALUE[name] for name in found}


def option_field_ids(state: Any) -> list[str]:
    """The ids of the option inputs the page shows for this task (each has an error slot)."""
    task_only = ("target_transform", "regression_loss") if state.proposal.task == "regression" else ("class_weight",)
    return [*task_only, "early_stopping_metric", "schedule", "initializer", "clip_norm"]


def training_options_view(state: Any) -> dict[str, Any]:
    """What the partial shows: the choices that fit the task, and sentences for the proposals."""
    task = state.proposal.task or "binary"
    regression = task == "regression"
    label = _label_column(state)
    why = proposals(label, state.dataset.row_count, task) if label else {}
    columns = state.dataset.profile_model.columns_by_name()
    chosen = [row.name for row in state.features if row.checked and row.usable]
    heavy = heavy_tailed_features(columns, chosen)
    metrics = ("loss", *(REGRESSION_STOPPING_METRICS if regression else CLASSIFICATION_STOPPING_METRICS))
    return {
        "regression": regression,
        "metrics": {name: METRIC_LABELS[name] for name in metrics},
        "schedules": SCHEDULES,
        "losses": LOSSES,
        "initializers": INITIALIZERS,
        "why": why,
        "heavy_tailed": heavy,
        "field_ids": option_field_ids(state),
    }
