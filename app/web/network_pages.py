"""The Network view of an experiment (inside the network, live) and the pause / step /
resume buttons of its panel."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from app.db.experiments import experiment_dir
from app.db.pausing import PauseConflict, request_pause, request_resume, request_step
from app.jobs.predictions import ModelNotAvailable, feature_inputs, load_trained
from app.web.api_inspection import inspection_of
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.experiment_pages import _context
from app.web.htmx import render

router = APIRouter(include_in_schema=False)

ACTIONS = {"pause": request_pause, "resume": request_resume, "step": request_step}


@router.get("/experiments/{experiment_id}/network", response_class=HTMLResponse)
def network_page(experiment_id: int, request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    context = _context(session, experiment_id)
    experiment = experiment_or_404(session, experiment_id)
    try:
        features = [field.name for field in feature_inputs(
            load_trained(experiment_dir(settings.experiments_dir, experiment.id)))]
    except ModelNotAvailable:
        features = []
    return render(request, "network.html", **context, inspection=inspection_of(session, experiment),
                  surface_features=features)


def _control(request: Request, session: SessionDep, experiment_id: int, action: str) -> Response:
    """Pause, resume or step from the page: the panel comes back re-rendered."""
    experiment = experiment_or_404(session, experiment_id)
    try:
        ACTIONS[action](session=session, experiment=experiment)
    except PauseConflict as exc:
        raise HTTPException(409, str(exc)) from exc
    return render(request, "_experiment_panel.html", **_context(session, experiment_id))


@router.post("/experiments/{experiment_id}/pause", response_class=HTMLResponse)
def pause(experiment_id: int, request: Request, session: SessionDep) -> Response:
    return _control(request, session, experiment_id, "pause")


@router.post("/experiments/{experiment_id}/resume", response_class=HTMLResponse)
def resume(experiment_id: int, request: Request, session: SessionDep) -> Response:
    return _control(request, session, experiment_id, "resume")


@router.post("/experiments/{experiment_id}/step", response_class=HTMLResponse)
def step(experiment_id: int, request: Request, session: SessionDep) -> Response:
    return _control(request, session, experiment_id, "step")
