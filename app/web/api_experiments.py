"""JSON API for experiments: create, read, list, cancel, restart, delete, and the SSE stream."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from app.db.experiments import (
    create_experiment,
    delete_experiment,
    list_experiments,
    request_cancel,
    restart_experiment,
)
from app.db.models import ExperimentStatus
from app.jobs.continuation import ContinuationError, continue_experiment
from app.specs import MAX_EPOCHS, ExperimentSpec
from app.web.deps import SessionDep, SettingsDep, dataset_or_404, experiment_or_404
from app.web.experiment_checks import over_budget, problems_with_spec
from app.web.ids import PathId, QueryId
from app.web.json_bodies import body_openapi, json_body
from app.web.serializers import experiment_detail, experiment_summary

router = APIRouter(prefix="/api/experiments", tags=["experiments"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue an experiment from a spec",
    openapi_extra=body_openapi(ExperimentSpec),
)
def create(
    spec: Annotated[ExperimentSpec, json_body(ExperimentSpec)], session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    dataset = dataset_or_404(session, spec.dataset_id, status_code=422)
    problems = problems_with_spec(spec, dataset) or [p for p in [over_budget(spec, dataset, settings)] if p]
    if problems:
        raise HTTPException(422, " ".join(problems))
    experiment = create_experiment(
        session=session,
        dataset=dataset,
        spec=spec.model_dump(mode="json"),
        epochs_total=spec.training.epochs,
    )
    return experiment_detail(session, experiment)


@router.get("", summary="Experiments, newest first, optionally of one dataset")
def list_all(session: SessionDep, dataset_id: QueryId = None) -> list[dict[str, Any]]:
    return [experiment_summary(e) for e in list_experiments(session=session, dataset_id=dataset_id)]


@router.get("/{experiment_id}", summary="One experiment: status, spec, metrics per split")
def one(experiment_id: PathId, session: SessionDep) -> dict[str, Any]:
    return experiment_detail(session, experiment_or_404(session, experiment_id))


@router.post("/{experiment_id}/cancel", summary="Cancel a queued or running experiment")
def cancel(experiment_id: PathId, session: SessionDep) -> dict[str, Any]:
    experiment = experiment_or_404(session, experiment_id)
    if experiment.status in ExperimentStatus.ACTIVE:
        request_cancel(session=session, experiment=experiment)
    return experiment_detail(session, experiment)


@router.post(
    "/{experiment_id}/restart", status_code=status.HTTP_202_ACCEPTED, summary="Queue a finished experiment again"
)
def restart(experiment_id: PathId, session: SessionDep) -> dict[str, Any]:
    experiment = experiment_or_404(session, experiment_id)
    if experiment.status in ExperimentStatus.ACTIVE:
        raise HTTPException(409, f"Experiment {experiment_id} is still {experiment.status}; cancel it first.")
    restart_experiment(session=session, experiment=experiment)
    return experiment_detail(session, experiment)


class ContinueRequest(BaseModel):
    epochs: int = Field(ge=1, le=MAX_EPOCHS, description="How many more epochs to train")


@router.post(
    "/{experiment_id}/continue", status_code=status.HTTP_202_ACCEPTED,
    summary="Queue a new experiment that trains a completed or cancelled one further",
)
def continue_training(
    experiment_id: PathId, body: ContinueRequest, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    parent = experiment_or_404(session, experiment_id)
    try:
        child = continue_experiment(session=session, experiments_dir=settings.experiments_dir,
                                    parent=parent, epochs=body.epochs)
    except ContinuationError as exc:
        raise HTTPException(409, str(exc)) from exc
    return experiment_detail(session, child)


@router.delete(
    "/{experiment_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Cancel and delete an experiment and its files"
)
def delete(experiment_id: PathId, session: SessionDep, settings: SettingsDep) -> None:

    experiment = experiment_or_404(session, experiment_id)
    delete_experiment(session=session, experiments_dir=settings.experiments_dir, experiment=experiment)
