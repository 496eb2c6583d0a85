"""Stored rows as the JSON the API promises (docs/ARCHITECTURE.md's contract)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.data.evaluation import headline_score
from app.db.experiments import queue_position
from app.db.models import Dataset, EpochMetric, Experiment, utc_now
from app.services.sweep_blinding import test_hidden, visible_metrics, visible_summary


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": dataset.id,
        "name": dataset.name,
        "rows": dataset.row_count,
        "column_count": dataset.column_count,
        "size_bytes": dataset.size_bytes,
        "sha256": dataset.sha256,
        "created_at": dataset.created_at.isoformat(),
    }


def dataset_detail(dataset: Dataset) -> dict[str, Any]:
    profile = dataset.profile
    return {
        **dataset_summary(dataset),
        "columns": profile.get("columns", []),
        "preview": profile.get("preview", {"columns": [], "rows": []}),
        "notices": dataset.notices,
        # The person's missing-value tokens; null: the default rule (README).
        "missing_tokens": (dataset.read_options or {}).get("missing_tokens"),
        # A workbook's sheet this dataset was read from, and all its sheets; null and [] otherwise.
        "sheet": (dataset.read_options or {}).get("sheet"),
        "sheets": (dataset.read_options or {}).get("sheets") or [],
    }


def topology_summary(spec: dict[str, Any]) -> str:
    """`64-32 relu` for two ReLU layers; mixed activations are listed per layer."""
    layers = spec.get("layers") or []
    if not layers:
        return "no hidden layer"
    activations = {layer.get("activation", "relu") for layer in layers}
    units = "-".join(str(layer.get("units")) for layer in layers)
    if len(activations) == 1:
        return f"{units} {activations.pop()}"
    return " ".join(f"{layer.get('units')}{layer.get('activation', '')[:4]}" for layer in layers)


def _duration(experiment: Experiment) -> float | None:
    if experiment.started_at is None:
        return None
    end = experiment.finished_at or utc_now()
    return round((end - experiment.started_at).total_seconds(), 3)


def _headline(experiment: Experiment, split: str) -> float | None:
    """The task's headline metric on one split: accuracy, or R² for regression."""
    return headline_score(experiment.task, visible_metrics(experiment), split)


def panel_state(experiment: Experiment) -> str:
    """What the experiment panel shows of a run's progress: its status, its pause control and,
    while paused, the epoch (a step's end). The page re-renders the panel only when this moves,
    so what a person is typing there is not swapped away by a state it already shows."""
    stepped_to = experiment.epochs_done if experiment.pause_control else ""
    return f"{experiment.status} {experiment.pause_control or ''} {stepped_to}"


def experiment_summary(experiment: Experiment) -> dict[str, Any]:
    return {
        "id": experiment.id,
        "dataset_id": experiment.dataset_id,
        "status": experiment.status,
        "task": experiment.task,
        "label": experiment.spec.get("label"),
        "topology": topology_summary(experiment.spec),
        "epochs_done": experiment.epochs_done,
        "epochs_total": experiment.epochs_total,
        "best_epoch": experiment.best_epoch,
        "validation_metric": _headline(experiment, "validation"),
        "test_metric": _headline(experiment, "test"),
        "duration_seconds": _duration(experiment),
        "created_at": experiment.created_at.isoformat(),
        "sweep_id": experiment.sweep_id,
        "sweep_config": experiment.sweep_config,
        "test_hidden": test_hidden(experiment),
    }


def experiment_detail(session: Session, experiment: Experiment) -> dict[str, Any]:
    return {
        **experiment_summary(experiment),
        "spec": experiment.spec,
        "error": experiment.error,
        "metrics": visible_metrics(experiment),
        "summary": visible_summary(experiment),
        "queue_position": queue_position(session=session, experiment=experiment),
        "cancel_requested": experiment.cancel_requested,
        "parent_id": experiment.parent_id,
        "parent_epoch": experiment.parent_epoch,
        "pause_requested": experiment.pause_control is not None,
        "started_at": experiment.started_at.isoformat() if experiment.started_at else None,
        "finished_at": experiment.finished_at.isoformat() if experiment.finished_at else None,
        "missing_tokens": experiment.missing_tokens,
        "worker_address": experiment.worker_address,
    }


def epoch_payload(row: EpochMetric, inspection: bool = False) -> dict[str, Any]:
    """One epoch's numbers; with ``inspection``, its look inside the network (or None)."""
    payload: dict[str, Any] = {
        "epoch": row.epoch,
        "train_loss": row.train_loss,
        "val_loss": row.val_loss,
        "train_metric": row.train_metric,
        "val_metric": row.val_metric,
        "seconds": row.seconds,
    }
    if inspection:
        payload["inspection"] = row.inspection
    return payload


def flatten_spec(spec: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"training": {"epochs": 5}}` → `{"training.epochs": 5}`; layers become `layers.1.units`."""
    flat: dict[str, Any] = {}
    for key, value in spec.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat |= flatten_spec(value, f"{path}.")
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for index, item in enumerate(value, start=1):
                flat |= flatten_spec(item, f"{path}.{index}.")
        else:
            flat[path] = ", ".join(map(str, value)) if isinstance(value, list) else value
    return flat


def spec_differences(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per spec field: its value in each spec, and whether they differ."""
    flats = [flatten_spec(spec) for spec in specs]
    keys = list(dict.fromkeys(key for flat in flats for key in flat))
    rows = []
    for key in keys:
        values = [flat.get(key, "–") for flat in flats]
        rows.append({"field": key, "values": values, "differs": len({repr(v) for v in values}) > 1})
    return rows
