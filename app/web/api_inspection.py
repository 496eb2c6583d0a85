"""JSON API inside a network: pause / step / resume, the recorded snapshots with hints,
the decision surface and dependence curves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from app.db.experiments import experiment_dir
from app.db.models import EpochMetric, Experiment
from app.db.pausing import PauseConflict, request_pause, request_resume, request_step
from app.jobs.experiment_data import load_experiment_frame
from app.jobs.explanations import TrainingRows, UnknownFeature, decision_surface, dependence, training_rows
from app.jobs.inspection_hints import hints
from app.jobs.predictions import TrainedModel
from app.services.predictions import trained_model
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.ids import PathId
from app.web.serializers import experiment_detail

router = APIRouter(prefix="/api/experiments", tags=["inside the network"])

AT_PREFIX = "at."  # query parameters at.<feature>=<value> place the individual curve's row


def _control(session: SessionDep, experiment_id: int, action: Any) -> dict[str, Any]:
    experiment = experiment_or_404(session, experiment_id)
    try:
        action(session=session, experiment=experiment)
    except PauseConflict as exc:
        raise HTTPException(409, str(exc)) from exc
    return experiment_detail(session, experiment)


@router.post("/{experiment_id}/pause", status_code=status.HTTP_202_ACCEPTED,
             summary="Pause after the current epoch (the worker keeps the run)")
def pause(experiment_id: PathId, session: SessionDep) -> dict[str, Any]:
    return _control(session, experiment_id, request_pause)


@router.post("/{experiment_id}/step", status_code=status.HTTP_202_ACCEPTED,
             summary="While paused: train exactly one more epoch, then pause again")
def step(experiment_id: PathId, session: SessionDep) -> dict[str, Any]:
    return _control(session, experiment_id, request_step)


@router.post("/{experiment_id}/resume", status_code=status.HTTP_202_ACCEPTED, summary="Carry on training")
def resume(experiment_id: PathId, session: SessionDep) -> dict[str, Any]:
    return _control(session, experiment_id, request_resume)


def inspection_of(session: SessionDep, experiment: Experiment) -> dict[str, Any]:
    """Every recorded snapshot in epoch order, the input names and the hints."""
    snapshots = [snapshot for snapshot in session.scalars(
        select(EpochMetric.inspection)
        .where(EpochMetric.experiment_id == experiment.id, EpochMetric.inspection.is_not(None))
        .order_by(EpochMetric.epoch)
    ) if snapshot]
    inputs = next((snapshot["inputs"] for snapshot in snapshots if "inputs" in snapshot), [])
    return {
        "id": experiment.id,
        "status": experiment.status,
        "epochs_done": experiment.epochs_done,
        "inputs": inputs,
        "epochs": [{key: value for key, value in snapshot.items() if key != "inputs"} for snapshot in snapshots],
        "hints": hints(snapshots),
    }


@router.get("/{experiment_id}/inspect", summary="Inside the network, per recorded epoch, with hints")
def inspect(experiment_id: PathId, session: SessionDep) -> dict[str, Any]:
    return inspection_of(session, experiment_or_404(session, experiment_id))


async def _explained(
    settings: SettingsDep, experiment: Experiment, explain: Callable[[TrainedModel, TrainingRows], dict[str, Any]]
) -> dict[str, Any]:
    """Run ``explain`` on the model and its training rows (read as the experiment read
    them) in a worker thread; a feature or value the model cannot take is a 422."""

    def compute() -> dict[str, Any]:
        model = trained_model(settings, experiment)
        frame = load_experiment_frame(settings.datasets_dir, experiment)
        return explain(model, training_rows(frame, experiment_dir(settings.experiments_dir, experiment.id)))

    try:
        return await run_in_threadpool(compute)
    except UnknownFeature as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/{experiment_id}/surface", summary="The prediction over two features, others held typical")
async def surface(
    experiment_id: PathId, session: SessionDep, settings: SettingsDep,
    x: Annotated[str, Query(min_length=1, max_length=500)], y: Annotated[str, Query(min_length=1, max_length=500)],
) -> dict[str, Any]:
    experiment = await run_in_threadpool(experiment_or_404, session, experiment_id)
    return await _explained(settings, experiment, lambda model, rows: decision_surface(model, rows, x, y))


@router.get("/{experiment_id}/dependence", summary="How the prediction moves with one feature")
async def dependence_curves(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
    feature: Annotated[str, Query(min_length=1, max_length=500)],
) -> dict[str, Any]:
    experiment = await run_in_threadpool(experiment_or_404, session, experiment_id)
    at = {key.removeprefix(AT_PREFIX): value for key, value in request.query_params.items()
          if key.startswith(AT_PREFIX)}
    return await _explained(settings, experiment, lambda model, rows: dependence(model, rows, feature, at))
