"""JSON API for experiments: create, read, list, cancel, restart, delete, and the SSE stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from app.db.experiments import delete_experiment, list_experiments
from app.services import experiments
from app.specs import MAX_EPOCHS, ExperimentSpec
from app.web.contract.common import error_responses
from app.web.contract.experiments import ExperimentDetail, ExperimentSummary
from app.web.deps import SessionDep, SettingsDep, dataset_or_404, experiment_or_404
from app.web.experiment_json import experiment_json
from app.web.ids import PathId, QueryId
from app.web.json_bodies import body_openapi, json_body
from app.web.serializers import experiment_detail, experiment_summary

router = APIRouter(prefix="/api/experiments", tags=["experiments"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue an experiment from a spec",
    openapi_extra=body_openapi(ExperimentSpec),
    responses=error_responses(413, 422),
)
def create(
    spec: Annotated[ExperimentSpec, json_body(ExperimentSpec)], session: SessionDep, settings: SettingsDep
) -> ExperimentDetail:
    dataset = dataset_or_404(session, spec.dataset_id, status_code=422)
    experiment = experiments.queue_experiment(session, settings, dataset, spec)
    return ExperimentDetail.model_validate(experiment_detail(session, experiment))


@router.get("", summary="Experiments, newest first, optionally of one dataset", responses=error_responses(422))
def list_all(session: SessionDep, dataset_id: QueryId = None) -> list[ExperimentSummary]:
    found = list_experiments(session=session, dataset_id=dataset_id)
    return [ExperimentSummary.model_validate(experiment_summary(e)) for e in found]


@router.get(
    "/{experiment_id}", summary="One experiment: status, spec, metrics per split", responses=error_responses(404, 422),
    response_model=ExperimentDetail,
)
def one(experiment_id: PathId, session: SessionDep, request: Request) -> Response:
    """Polled by every open experiment page: serialised here, in the route's one trip to a thread,
    or a finished one's bytes from the cache."""
    return experiment_json(session, request.app.state.finished_details, experiment_id)


@router.post(
    "/{experiment_id}/cancel", summary="Cancel a queued or running experiment", responses=error_responses(404, 422)
)
def cancel(experiment_id: PathId, session: SessionDep) -> ExperimentDetail:
    experiment = experiments.cancel(session, experiment_or_404(session, experiment_id))
    return ExperimentDetail.model_validate(experiment_detail(session, experiment))


@router.post(
    "/{experiment_id}/restart", status_code=status.HTTP_202_ACCEPTED, summary="Queue a finished experiment again",
    responses=error_responses(404, 409, 422),
)
def restart(experiment_id: PathId, session: SessionDep) -> ExperimentDetail:
    experiment = experiments.restart(session, experiment_or_404(session, experiment_id))
    return ExperimentDetail.model_validate(experiment_detail(session, experiment))


class ContinueRequest(BaseModel):
    epochs: int = Field(ge=1, le=MAX_EPOCHS, description="How many more epochs to train")


@router.post(
    "/{experiment_id}/continue", status_code=status.HTTP_202_ACCEPTED,
    summary="Queue a new experiment that trains a completed or cancelled one further",
    responses=error_responses(404, 409, 413, 422),
)
def continue_training(
    experiment_id: PathId, body: ContinueRequest, session: SessionDep, settings: SettingsDep
) -> ExperimentDetail:
    child = experiments.continue_training(session, settings, experiment_or_404(session, experiment_id), body.epochs)
    return ExperimentDetail.model_validate(experiment_detail(session, child))


@router.delete(
    "/{experiment_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Cancel and delete an experiment and its files",
    responses=error_responses(404, 422),
)
def delete(experiment_id: PathId, session: SessionDep, settings: SettingsDep) -> None:

    experiment = experiment_or_404(session, experiment_id)
    delete_experiment(session=session, experiments_dir=settings.experiments_dir, experiment=experiment)
