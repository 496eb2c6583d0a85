"""A finished experiment's decisions and doubts: its binary decision threshold, and the
rows it gets most wrong."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from app.jobs.decisions import ThresholdError, parse_threshold
from app.services import decisions
from app.services.sweep_blinding import visible_summary
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.ids import PathId

router = APIRouter(prefix="/api/experiments", tags=["results"])

MAX_ERROR_ROWS = 100
SplitQuery = Annotated[str, Query(pattern="^(train|validation|test)$")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_ERROR_ROWS)]


@router.put("/{experiment_id}/threshold", summary="Decide a binary experiment at a new threshold")
async def put_threshold(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    experiment = await run_in_threadpool(experiment_or_404, session, experiment_id)
    try:
        threshold = parse_threshold(await request.json())
    except (ValueError, RecursionError) as exc:  # ThresholdError, a body that is not JSON or too deep
        message = str(exc) if isinstance(exc, ThresholdError) else 'Send {"threshold": x} as JSON.'
        raise HTTPException(422, message) from exc

    def change() -> dict[str, Any]:
        decisions.change_threshold(session, settings, experiment, threshold)
        summary = visible_summary(experiment) or {}
        return {"id": experiment.id, "decision": summary.get("decision"), "metrics": experiment.metrics}

    return await run_in_threadpool(change)


@router.get("/{experiment_id}/errors", summary="The worst rows of a split, with their inputs")
def errors(
    experiment_id: PathId, session: SessionDep, settings: SettingsDep,
    split: SplitQuery = "test", limit: LimitQuery = 20,
) -> dict[str, Any]:
    return decisions.errors_of(settings, experiment_or_404(session, experiment_id), split, limit)
