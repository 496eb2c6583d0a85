"""JSON API inside a network: pause / step / resume, the recorded snapshots with hints,
the decision surface and dependence curves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from starlette.concurrency import run_in_threadpool

from app.jobs.explanations import decision_surface, dependence
from app.services import inspection
from app.web.contract.common import error_responses
from app.web.contract.experiments import ExperimentDetail
from app.web.contract.inspection import Dependence, Inspection, Surface
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.ids import PathId
from app.web.serializers import experiment_detail

router = APIRouter(prefix="/api/experiments", tags=["inside the network"])

AT_PREFIX = "at."  # query parameters at.<feature>=<value> place the individual curve's row


def _control(session: SessionDep, experiment_id: int, action: inspection.Control) -> ExperimentDetail:
    experiment = inspection.control(session, experiment_or_404(session, experiment_id), action)
    return ExperimentDetail.model_validate(experiment_detail(session, experiment))


@router.post("/{experiment_id}/pause", status_code=status.HTTP_202_ACCEPTED,
             summary="Pause after the current epoch (the worker keeps the run)",
             responses=error_responses(404, 409, 422))
def pause(experiment_id: PathId, session: SessionDep) -> ExperimentDetail:
    return _control(session, experiment_id, "pause")


@router.post("/{experiment_id}/step", status_code=status.HTTP_202_ACCEPTED,
             summary="While paused: train exactly one more epoch, then pause again",
             responses=error_responses(404, 409, 422))
def step(experiment_id: PathId, session: SessionDep) -> ExperimentDetail:
    return _control(session, experiment_id, "step")


@router.post("/{experiment_id}/resume", status_code=status.HTTP_202_ACCEPTED, summary="Carry on training",
             responses=error_responses(404, 409, 422))
def resume(experiment_id: PathId, session: SessionDep) -> ExperimentDetail:
    return _control(session, experiment_id, "resume")


@router.get("/{experiment_id}/inspect", summary="Inside the network, per recorded epoch, with hints",
            responses=error_responses(404, 422))
def inspect(experiment_id: PathId, session: SessionDep) -> Inspection:
    return Inspection.model_validate(inspection.inspection_of(session, experiment_or_404(session, experiment_id)))


@router.get("/{experiment_id}/surface", summary="The prediction over two features, others held typical",
            responses=error_responses(404, 409, 422))
async def surface(
    experiment_id: PathId, session: SessionDep, settings: SettingsDep,
    x: Annotated[str, Query(min_length=1, max_length=500)], y: Annotated[str, Query(min_length=1, max_length=500)],
) -> Surface:
    experiment = await run_in_threadpool(experiment_or_404, session, experiment_id)
    return await run_in_threadpool(lambda: Surface.model_validate(
        inspection.explain(settings, experiment, lambda model, rows: decision_surface(model, rows, x, y))
    ))


@router.get("/{experiment_id}/dependence", summary="How the prediction moves with one feature",
            responses=error_responses(404, 409, 422))
async def dependence_curves(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
    feature: Annotated[str, Query(min_length=1, max_length=500)],
) -> Dependence:
    experiment = await run_in_threadpool(experiment_or_404, session, experiment_id)
    at = {key.removeprefix(AT_PREFIX): value for key, value in request.query_params.items()
          if key.startswith(AT_PREFIX)}
    return await run_in_threadpool(lambda: Dependence.model_validate(
        inspection.explain(settings, experiment, lambda model, rows: dependence(model, rows, feature, at))
    ))
