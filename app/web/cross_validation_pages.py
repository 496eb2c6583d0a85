"""Cross-validation of an experiment: its JSON, and a page with the folds' metrics and curves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.db.models import Experiment
from app.web.deps import SessionDep, experiment_or_404
from app.web.htmx import render
from app.web.ids import PathId

api_router = APIRouter(prefix="/api/experiments", tags=["experiments"])
router = APIRouter(include_in_schema=False)

METRIC_LABELS = {
    "accuracy": "Accuracy", "balanced_accuracy": "Balanced accuracy", "f1_macro": "F1 (macro)",
    "precision_macro": "Precision (macro)", "recall_macro": "Recall (macro)",
    "roc_auc": "ROC AUC", "log_loss": "Log loss", "r2": "R²", "mae": "MAE", "rmse": "RMSE",
}
CURVE_WIDTH, CURVE_HEIGHT, PAD = 300, 150, 14


def _requested(experiment: Experiment) -> int | None:
    return (experiment.spec.get("split") or {}).get("folds")


def cross_validation_of(experiment: Experiment) -> dict[str, Any]:
    folds = _requested(experiment)
    if not folds:
        raise HTTPException(
            404, f"Experiment {experiment.id} does not ask for cross-validation (set split.folds to 2–10)."
        )
    waiting = {"k": folds, "status": "waiting", "folds": []}
    return {"experiment_id": experiment.id, **(experiment.cross_validation or waiting)}


def _curve(points: list[dict[str, Any]], key: str, top: float, bottom: float, epochs: int) -> str:
    span = (top - bottom) or 1.0
    coordinates = []
    for point in points:
        value = point.get(key)
        if value is None:
            continue
        x = PAD + (CURVE_WIDTH - 2 * PAD) * (point["epoch"] - 1) / max(1, epochs - 1)
        y = PAD + (CURVE_HEIGHT - 2 * PAD) * (top - value) / span
        coordinates.append(f"{x:.1f},{y:.1f}")
    return " ".join(coordinates)


def loss_curves(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One small chart per fold: training (solid) and validation (dashed) loss by epoch,
    all on the same axes so the folds compare at a glance."""
    folds = result.get("folds") or []
    keys = ("train_loss", "val_loss")
    losses = [p[key] for fold in folds for p in fold["curve"] for key in keys if p.get(key) is not None]
    if not losses:
        return []
    top, bottom = max(losses), min(losses)
    epochs = max((len(fold["curve"]) for fold in folds), default=1)
    return [
        {
            "fold": fold["fold"],
            "train": _curve(fold["curve"], "train_loss", top, bottom, epochs),
            "validation": _curve(fold["curve"], "val_loss", top, bottom, epochs),
            "epochs": len(fold["curve"]),
            "best_epoch": fold.get("best_epoch"),
            "top": f"{top:.3g}",
            "bottom": f"{bottom:.3g}",
        }
        for fold in folds
    ]


@api_router.get(
    "/{experiment_id}/cross-validation", summary="Cross-validation: each fold's metrics and curve, mean ± std"
)
def cross_validation_json(experiment_id: PathId, session: SessionDep) -> dict[str, Any]:
    return cross_validation_of(experiment_or_404(session, experiment_id))


def _context(session: SessionDep, experiment_id: PathId) -> dict[str, Any]:
    experiment = experiment_or_404(session, experiment_id)
    result = cross_validation_of(experiment)
    return {
        "experiment": experiment,
        "dataset": experiment.dataset,
        "result": result,
        "curves": loss_curves(result),
        "metric_labels": METRIC_LABELS,
        "size": {"width": CURVE_WIDTH, "height": CURVE_HEIGHT},
        "active": result["status"] in ("waiting", "running"),
        "section": "experiments",
    }


@router.get("/experiments/{experiment_id}/cross-validation", response_class=HTMLResponse)
def cross_validation_page(experiment_id: PathId, request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "cross_validation.html", **_context(session, experiment_id))


@router.get("/experiments/{experiment_id}/cross-validation/live", response_class=HTMLResponse)
def cross_validation_live(experiment_id: PathId, request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "_cross_validation.html", **_context(session, experiment_id))
