"""JSON API for sweeps: start, list, read (the blind leaderboard), cancel, reveal one, promote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from app.db.sweeps import list_sweeps
from app.jobs.sweeps import SweepRequest
from app.services import sweeps
from app.services.sweeps import sweep_detail, sweep_summary
from app.web.contract.common import error_responses
from app.web.contract.experiments import ExperimentDetail
from app.web.contract.sweeps import SweepDetail, SweepEstimate, SweepSummary
from app.web.deps import SessionDep, SettingsDep, dataset_or_404, sweep_or_404
from app.web.ids import PathId, QueryId
from app.web.json_bodies import body_openapi, json_body
from app.web.serializers import experiment_detail

router = APIRouter(prefix="/api/sweeps", tags=["sweeps"])


class ConfigChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: Annotated[int, Field(ge=1)] | None = None


SweepBody = Annotated[SweepRequest, json_body(SweepRequest)]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue a grid or random sweep over a base spec",
    openapi_extra=body_openapi(SweepRequest),
    responses=error_responses(413, 422),
    response_model_exclude_unset=True,
)
def create(request: SweepBody, session: SessionDep, settings: SettingsDep) -> SweepDetail:
    dataset = dataset_or_404(session, request.base.dataset_id, status_code=422)
    sweep = sweeps.start_sweep(session, settings, request, dataset)
    return SweepDetail.model_validate(sweep_detail(session, sweep))


@router.post(
    "/estimate",
    summary="How many experiments a sweep makes and about how long they take",
    openapi_extra=body_openapi(SweepRequest),
    responses=error_responses(413, 422),
)
def estimate(request: SweepBody, session: SessionDep, settings: SettingsDep) -> SweepEstimate:
    dataset = dataset_or_404(session, request.base.dataset_id, status_code=422)
    sweeps.check_request(request, dataset, settings)
    guess = sweeps.estimate_sweep(session, settings, request, dataset)
    return SweepEstimate(
        experiments=guess.experiments,
        configs=guess.configs,
        seconds=round(guess.seconds, 1),
        workers=settings.workers,
        basis=guess.basis,
    )


@router.get("", summary="Sweeps, newest first, optionally of one dataset", responses=error_responses(422))
def list_all(session: SessionDep, dataset_id: QueryId = None) -> list[SweepSummary]:
    found = list_sweeps(session=session, dataset_id=dataset_id)
    return [SweepSummary.model_validate(sweep_summary(session, sweep)) for sweep in found]


@router.get(
    "/{sweep_id}", summary="A sweep: status, progress and its leaderboard ranked on validation",
    responses=error_responses(404, 422), response_model_exclude_unset=True,
)
def one(sweep_id: PathId, session: SessionDep) -> SweepDetail:
    return SweepDetail.model_validate(sweep_detail(session, sweep_or_404(session, sweep_id)))


@router.post(
    "/{sweep_id}/cancel", summary="Cancel every queued or running experiment of a sweep",
    responses=error_responses(404, 422), response_model_exclude_unset=True,
)
def cancel(sweep_id: PathId, session: SessionDep) -> SweepDetail:
    sweep = sweeps.cancel(session, sweep_or_404(session, sweep_id))
    return SweepDetail.model_validate(sweep_detail(session, sweep))


@router.post(
    "/{sweep_id}/reveal", summary="Pick one configuration and see its test scores (once per sweep)",
    responses=error_responses(404, 409, 413, 422), response_model_exclude_unset=True,
)
def reveal(sweep_id: PathId, choice: ConfigChoice, session: SessionDep) -> SweepDetail:
    sweep = sweeps.reveal(session, sweep_or_404(session, sweep_id), choice.config)
    return SweepDetail.model_validate(sweep_detail(session, sweep))


@router.post(
    "/{sweep_id}/promote",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue a configuration (the best by default) as a normal experiment",
    responses=error_responses(404, 409, 413, 422),
)
def promote(
    sweep_id: PathId, session: SessionDep, settings: SettingsDep, choice: ConfigChoice | None = None
) -> ExperimentDetail:
    sweep = sweep_or_404(session, sweep_id)
    experiment = sweeps.promote(session, settings, sweep, choice.config if choice else None)
    return ExperimentDetail.model_validate(experiment_detail(session, experiment))
