"""JSON API for experiments: create, read, list, cancel, restart, delete, and the SSE stream."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from app.db.experiments import (
    create_experiment,
    delete_experiment,
    list_experiments,
    request_cancel,
    restart_experiment,
)
from app.db.models import ExperimentStatus
from app.specs import ExperimentSpec
from app.web.deps import SessionDep, SettingsDep, dataset_or_404, experiment_or_404
from app.web.experiment_checks import problems_with_spec
from app.web.serializers import experiment_detail, experiment_summary

router = APIRouter(prefix="/api/experiments", tags=["experiments"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Queue an experiment from a spec")
def create(spec: ExperimentSpec, session: SessionDep) -> dict[str, Any]:
    dataset = dataset_or_404(session, spec.dataset_id, status_code=422)
    problems = problems_with_spec(spec, dataset)
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
def list_all(session: SessionDep, dataset_id: Annotated[int | None, Query(ge=1)] = None) -> list[dict[str, Any]]:
    return [experiment_summary(e) for e in list_experiments(session=session, dataset_id=dataset_id)]


@router.get("/{experiment_id}", summary="One experiment: status, spec, metrics per split")
def one(experiment_id: int, session: SessionDep) -> dict[str, Any]:
    return experiment_detail(session, experiment_or_404(session, experiment_id))


@router.post("/{experiment_id}/cancel", summary="Cancel a queued or running experiment")
def cancel(experiment_id: int, session: SessionDep) -> dict[str, Any]:
    experiment = experiment_or_404(session, experiment_id)
    if experiment.status in ExperimentStatus.ACTIVE:
        request_cancel(session=session, experiment=experiment)
    return experiment_detail(session, experiment)


@router.post(
    "/{experiment_id}/restart", status_code=status.HTTP_202_ACCEPTED, summary="Queue a finished experiment again"
)
def restart(experiment_id: int, session: SessionDep) -> dict[str, Any]:
    experiment = experiment_or_404(session, experiment_id)
    if experiment.status in ExperimentStatus.ACTIVE:
        raise HTTPException(409, f"Experiment {experiment_id} is still {experiment.status}; cancel it first.")
    restart_experiment(session=session, experiment=experiment)
    return experiment_detail(session, experiment)


@router.delete("/{experiment_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an experiment and its files")
def delete(experiment_id: int, session: SessionDep, settings: SettingsDep) -> None:
    experiment = experiment_or_404(session, experiment_id)
    if experiment.status in ExperimentStatus.LEASED:
        raise HTTPException(409, f"Experiment {experiment_id} is training; cancel it before deleting it.")
    delete_experiment(session=session, experiments_dir=settings.experiments_dir, experiment=experiment)
