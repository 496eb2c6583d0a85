"""Jinja2 templates and the filters that format numbers, sizes and times for people."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from fastapi.templating import Jinja2Templates

from app.data.column_kinds import ColumnKind
from app.db.models import ExperimentStatus
from app.specs import HiddenActivation, OptimizerName
from app.web.bar_charts import importance_chart, probability_chart, spark_chart
from app.web.builder_training import training_options_view
from app.web.number_text import significant
from app.web.static_urls import install_url_for

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
KIND_LABELS: dict[ColumnKind, str] = {
    "numeric": "numeric",
    "integer": "integer",
    "boolean": "yes / no",
    "categorical": "categorical",
    "text": "text",
    "datetime": "date / time",
    "id": "ID-like",
    "constant": "constant",
}

ENCODER_LABELS = {
    "standardize": "standardize (mean 0, sd 1)",
    "minmax": "scale 0 to 1",
    "scale_pm1": "scale -1 to 1",
    "robust": "robust (median, IQR)",
    "quantile": "quantile (rank 0 to 1)",
    "passthrough": "as is",
    "onehot": "one-hot",
    "ordinal": "ordinal (0, 1, 2…)",
    "binarize": "binarize (0 / 1)",
}
WARNING_TITLES = {
    "overfitting": "Overfitting",
    "constant_prediction": "One answer for everything",
    "class_imbalance": "Imbalanced classes",
    "more_epochs": "Still improving",
    "split_disagreement": "Validation and test disagree",
    "dominant_rows": "A few rows dominate the error",
    "outlier_prediction": "A prediction far outside the training range",
}
HIDDEN_ACTIVATIONS = get_args(HiddenActivation)
OPTIMIZERS = get_args(OptimizerName)


def count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else significant(value)


def filesize(size: int) -> str:
    units = ["bytes", "KB", "MB", "GB"]
    amount = float(size)
    for unit in units:
        if amount < 1024 or unit == units[-1]:
            return f"{amount:.0f} {unit}" if unit == "bytes" else f"{significant(amount)} {unit}"
        amount /= 1024
    return f"{size} bytes"


def time_ago(moment: datetime, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "min")):
        if seconds >= size:
            amount = seconds // size
            return f"{amount} {unit}{'s' if amount > 1 and unit != 'min' else ''} ago"
    return "just now"


def percent(part: int, whole: int) -> str:
    return "0 %" if not whole else f"{100 * part / whole:.0f} %"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    # The templates ship with the code, which does not change under a running server either:
    # compiled once, not checked against their files' times on every page.
    templates.env.auto_reload = False
    install_url_for(templates.env)
    templates.env.filters.update(
        significant=significant, count=count, filesize=filesize, time_ago=time_ago, percent=percent,
        importance_chart=importance_chart, probability_chart=probability_chart, spark_chart=spark_chart,
    )
    templates.env.globals.update(
        kind_labels=KIND_LABELS,
        encoder_labels=ENCODER_LABELS,
        activations=HIDDEN_ACTIVATIONS,
        optimizers=OPTIMIZERS,
        warning_titles=WARNING_TITLES,
        training_options=training_options_view,
        # The statuses after which a run never changes again, for static/experiment.js.
        finished_statuses=sorted(ExperimentStatus.FINISHED),
    )
    return templates
