"""A finished experiment's decisions and doubts: its binary decision threshold, and the
rows it gets most wrong."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from app.db.experiments import experiment_dir, store_results
from app.db.models import Experiment, ExperimentStatus
from app.jobs.decisions import ThresholdError, parse_threshold, rescore
from app.jobs.largest_errors import largest_errors
from app.jobs.predictions import ModelNotAvailable
from app.services.sweep_blinding import test_hidden, visible_summary
from app.web.contract.common import error_responses
from app.web.contract.results import LargestErrors, ThresholdResult
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.ids import PathId

router = APIRouter(prefix="/api/experiments", tags=["results"])

MAX_ERROR_ROWS = 100
SplitQuery = Annotated[str, Query(pattern="^(train|validation|test)$")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_ERROR_ROWS)]


def change_threshold(session: SessionDep, settings: SettingsDep, experiment: Experiment, threshold: float) -> None:
    """Rescore a finished binary experiment at `threshold`; HTTPException 409 with the reason."""
    if experiment.status != ExperimentStatus.COMPLETED or not experiment.metrics or not experiment.summary:
        raise HTTPException(409, f"Experiment {experiment.id} has no finished results ({experiment.status}).")
    try:
        metrics, summary = rescore(
            experiment_dir(settings.experiments_dir, experiment.id), experiment.metrics, experiment.summary, threshold
        )
    except ThresholdError as exc:
        raise HTTPException(409, str(exc)) from exc
    store_results(session=session, experiment=experiment, metrics=metrics, summary=summary)


@router.put(
    "/{experiment_id}/threshold", summary="Decide a binary experiment at a new threshold",
    responses=error_responses(404, 409, 413, 422),
)
async def put_threshold(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep
) -> ThresholdResult:
    experiment = experiment_or_404(session, experiment_id)
    try:
        threshold = parse_threshold(await request.json())
    except (ValueError, RecursionError) as exc:  # ThresholdError, a body that is not JSON or too deep
        message = str(exc) if isinstance(exc, ThresholdError) else 'Send {"threshold": x} as JSON.'
        raise HTTPException(422, message) from exc
    change_threshold(session, settings, experiment, threshold)
    summary = visible_summary(experiment) or {}
    return ThresholdResult(id=experiment.id, decision=summary.get("decision"), metrics=experiment.metrics)


def errors_of(settings: SettingsDep, experiment: Experiment, split: str, limit: int) -> dict[str, Any]:
    if split == "test" and test_hidden(experiment):
        raise HTTPException(409, "The test split of this sweep run stays blind until its configuration is picked.")
    try:
        return largest_errors(experiment_dir(settings.experiments_dir, experiment.id), split, limit)
    except ModelNotAvailable as exc:
        raise HTTPException(409, f"Experiment {experiment.id} has no stored results ({experiment.status}).") from exc


@router.get(
    "/{experiment_id}/errors", summary="The worst rows of a split, with their inputs",
    responses=error_responses(404, 409, 422),
)
def errors(
    experiment_id: PathId, session: SessionDep, settings: SettingsDep,
    split: SplitQuery = "test", limit: LimitQuery = 20,
) -> LargestErrors:
    return LargestErrors.model_validate(errors_of(settings, experiment_or_404(session, experiment_id), split, limit))
