"""Cross-validation of an experiment: its JSON, and a page with the folds' metrics and curves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.db.models import Experiment
from app.web.contract.common import error_responses
from app.web.contract.results import CrossValidation
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


def loss_curves(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One chart spec per fold (data only; static/charts.js draws it): training (solid)
    and validation (dashed) loss by epoch, all on the same axes so the folds compare."""
    folds = result.get("folds") or []
    keys = ("train_loss", "val_loss")
    losses = [p[key] for fold in folds for p in fold["curve"] for key in keys if p.get(key) is not None]
    if not losses:
        return []
    epochs = max((len(fold["curve"]) for fold in folds), default=1)
    pad = (max(losses) - min(losses)) * 0.05 or 0.05
    return [
        {
            "fold": fold["fold"],
            "epochs": len(fold["curve"]),
            "best_epoch": fold.get("best_epoch"),
            "spec": {
                "label": f"Fold {fold['fold']}: training and validation loss over {len(fold['curve'])} epochs",
                "xLabel": "epoch",
                "yLabel": "loss",
                "xRange": [1, max(2, epochs)],
                "yRange": [min(losses) - pad, max(losses) + pad],
                "marker": fold.get("best_epoch"),
                "legend": False,
                "height": 180,
                "x": [point["epoch"] for point in fold["curve"]],
                "series": [
                    {"label": "training loss", "y": [point.get("train_loss") for point in fold["curve"]]},
                    {"label": "validation loss", "dash": True, "y": [point.get("val_loss") for point in fold["curve"]]},
                ],
            },
        }
        for fold in folds
    ]


@api_router.get(
    "/{experiment_id}/cross-validation", summary="Cross-validation: each fold's metrics and curve, mean ± std",
    responses=error_responses(404, 422),
)
def cross_validation_json(experiment_id: PathId, session: SessionDep) -> CrossValidation:
    return CrossValidation.model_validate(cross_validation_of(experiment_or_404(session, experiment_id)))


def _context(session: SessionDep, experiment_id: PathId) -> dict[str, Any]:
    experiment = experiment_or_404(session, experiment_id)
    result = cross_validation_of(experiment)
    return {
        "experiment": experiment,
        "dataset": experiment.dataset,
        "result": result,
        "curves": loss_curves(result),
        "metric_labels": METRIC_LABELS,
        "active": result["status"] in ("waiting", "running"),
        "section": "experiments",
    }


@router.get("/experiments/{experiment_id}/cross-validation", response_class=HTMLResponse)
def cross_validation_page(experiment_id: PathId, request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "cross_validation.html", **_context(session, experiment_id))


@router.get("/experiments/{experiment_id}/cross-validation/live", response_class=HTMLResponse)
def cross_validation_live(experiment_id: PathId, request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "_cross_validation.html", **_context(session, experiment_id))
