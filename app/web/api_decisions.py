"""A finished experiment's decisions and doubts: its binary decision threshold, and the
rows it gets most wrong."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from app.jobs.decisions import ThresholdError, parse_threshold
from app.services import decisions
from app.services.sweep_blinding import visible_summary
from app.web.contract.common import error_responses
from app.web.contract.results import LargestErrors, ThresholdResult
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.ids import PathId

router = APIRouter(prefix="/api/experiments", tags=["results"])

MAX_ERROR_ROWS = 100
SplitQuery = Annotated[str, Query(pattern="^(train|validation|test)$")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_ERROR_ROWS)]


@router.put(
    "/{experiment_id}/threshold", summary="Decide a binary experiment at a new threshold",
    responses=error_responses(404, 409, 413, 422),
)
async def put_threshold(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep
) -> ThresholdResult:
    experiment = await run_in_threadpool(experiment_or_404, session, experiment_id)
    try:
        threshold = parse_threshold(await request.json())
    except (ValueError, RecursionError) as exc:  # ThresholdError, a body that is not JSON or too deep
        message = str(exc) if isinstance(exc, ThresholdError) else 'Send {"threshold": x} as JSON.'
        raise HTTPException(422, message) from exc

    def change() -> ThresholdResult:
        decisions.change_threshold(session, settings, experiment, threshold)
        summary = visible_summary(experiment) or {}
        return ThresholdResult(id=experiment.id, decision=summary.get("decision"), metrics=experiment.metrics)

    return await run_in_threadpool(change)


@router.get(
    "/{experiment_id}/errors", summary="The worst rows of a split, with their inputs",
    responses=error_responses(404, 409, 422),
)
def errors(
    experiment_id: PathId, session: SessionDep, settings: SettingsDep,
    split: SplitQuery = "test", limit: LimitQuery = 20,
) -> LargestErrors:
    experiment = experiment_or_404(session, experiment_id)
    return LargestErrors.model_validate(decisions.errors_of(settings, experiment, split, limit))
