"""The Network view of an experiment (inside the network, live) and the pause / step /
resume buttons of its panel."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.jobs.predictions import feature_inputs
from app.services import inspection
from app.services.errors import ServiceError
from app.services.predictions import trained_model
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.experiment_pages import _context
from app.web.htmx import fragment_or_page, render
from app.web.ids import PathId

router = APIRouter(include_in_schema=False)

@router.get("/experiments/{experiment_id}/network", response_class=HTMLResponse)
def network_page(experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    context = _context(session, experiment_id)
    experiment = experiment_or_404(session, experiment_id)
    try:
        features = [field.name for field in feature_inputs(trained_model(settings, experiment))]
    except ServiceError:
        features = []
    return render(request, "network.html", **context, inspection=inspection.inspection_of(session, experiment),
                  surface_features=features)


def _control(request: Request, session: SessionDep, experiment_id: int, action: inspection.Control) -> Response:
    """Pause, resume or step from the page: the panel comes back re-rendered."""
    inspection.control(session, experiment_or_404(session, experiment_id), action)
    return fragment_or_page(request, "_experiment_panel.html", f"/experiments/{experiment_id}",
                            lambda: _context(session, experiment_id))


@router.post("/experiments/{experiment_id}/pause", response_class=HTMLResponse)
def pause(experiment_id: PathId, request: Request, session: SessionDep) -> Response:
    return _control(request, session, experiment_id, "pause")


@router.post("/experiments/{experiment_id}/resume", response_class=HTMLResponse)
def resume(experiment_id: PathId, request: Request, session: SessionDep) -> Response:
    return _control(request, session, experiment_id, "resume")


@router.post("/experiments/{experiment_id}/step", response_class=HTMLResponse)
def step(experiment_id: PathId, request: Request, session: SessionDep) -> Response:
    return _control(request, session, experiment_id, "step")
