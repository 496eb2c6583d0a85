"""Pages that use a finished model: predict an uploaded CSV, and the what-if form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.db.models import Experiment
from app.jobs.predictions import TrainedModel, feature_inputs
from app.services.errors import ServiceError
from app.services.predictions import predictions_csv, trained_model, what_if
from app.web.api_results import read_uploaded_rows
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.forms import FormDep
from app.web.htmx import render
from app.web.ids import PathId

router = APIRouter(include_in_schema=False)


def _page(experiment: Experiment, model: TrainedModel, **context: Any) -> dict[str, Any]:
    return {"experiment": experiment, "dataset": experiment.dataset, "inputs": feature_inputs(model)} | context


@router.get("/experiments/{experiment_id}/predict", response_class=HTMLResponse)
def predict_page(experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    experiment = experiment_or_404(session, experiment_id)
    model = trained_model(settings, experiment)
    return render(request, "predict.html", **_page(experiment, model))


@router.post("/experiments/{experiment_id}/predict")
async def predict_upload(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """A plain form post: the predictions come back as a CSV download, or the page with the reason."""
    experiment = await run_in_threadpool(experiment_or_404, session, experiment_id)
    model = await run_in_threadpool(trained_model, settings, experiment)
    try:
        text = await run_in_threadpool(predictions_csv, model, await read_uploaded_rows(request, settings))
    except (HTTPException, ServiceError) as exc:
        context = await run_in_threadpool(_page, experiment, model, error=exc.detail)
        return render(request, "predict.html", status_code=exc.status_code, **context)
    filename = f"layerlab-experiment-{experiment_id}-new-predictions.csv"
    return Response(
        text, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _first_row(experiment: Experiment) -> dict[str, str]:
    """The dataset's first row, as the what-if form's starting point."""
    preview = experiment.dataset.profile.get("preview") or {}
    rows = preview.get("rows") or [[]]
    return {name: value or "" for name, value in zip(preview.get("columns", []), rows[0], strict=False)}


def _what_if(request: Request, experiment: Experiment, model: TrainedModel, values: dict[str, str]) -> dict[str, Any]:
    try:
        outcome: dict[str, Any] = what_if(model, values) | {"error": None}
    except ServiceError as exc:
        outcome = {"predicted": None, "probabilities": {}, "notes": None, "error": exc.detail}
    return _page(experiment, model, values=values, **outcome)


@router.get("/experiments/{experiment_id}/what-if", response_class=HTMLResponse)
def what_if_page(experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    experiment = experiment_or_404(session, experiment_id)
    model = trained_model(settings, experiment)
    return render(request, "what_if.html", **_what_if(request, experiment, model, _first_row(experiment)))


@router.post("/experiments/{experiment_id}/what-if", response_class=HTMLResponse)
def what_if_change(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> HTMLResponse:
    experiment = experiment_or_404(session, experiment_id)
    model = trained_model(settings, experiment)
    values = {field.name: str(form.get(f"feature-{index}", "")) for index, field in enumerate(feature_inputs(model))}
    template = "_what_if_result.html" if request.headers.get("hx-request") == "true" else "what_if.html"
    return render(request, template, **_what_if(request, experiment, model, values))
