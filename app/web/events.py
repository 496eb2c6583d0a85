"""`GET /api/experiments/{id}/events`: epochs, status changes and `done`, read from the database.

Reading the database (not a worker's memory) makes the stream work across processes
and after a restart; `Last-Event-ID` (the last epoch seen) resumes without gaps or
duplicates.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy.orm import Session, sessionmaker

from app.db.experiments import epochs_after, get_experiment
from app.db.models import ExperimentStatus
from app.web.contract.common import error_responses
from app.web.deps import experiment_or_404
from app.web.ids import PathId, parse_whole
from app.web.serializers import epoch_payload, experiment_summary, panel_state

router = APIRouter(prefix="/api/experiments", tags=["experiments"])

POLL_SECONDS = 0.25
RECONNECT_MS = 2000


def _snapshot(
    sessions: sessionmaker[Session], experiment_id: int, after: int, inspection: bool = False
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The experiment's state, then the epochs after `after` (in that order, so a
    finished state is never seen before its last epochs)."""
    with sessions() as session:
        experiment = get_experiment(session=session, experiment_id=experiment_id)
        if experiment is None:
            return None, []
        state = experiment_summary(experiment) | {
            "error": experiment.error, "pause_control": experiment.pause_control, "panel_state": panel_state(experiment)
        }
        rows = [epoch_payload(row, inspection)
                for row in epochs_after(session=session, experiment_id=experiment_id, after=after)]
    return state, rows


def _experiment_exists(experiment_id: PathId, request: Request) -> None:
    """Checked before the stream starts, so a wrong id is a plain 404. In a session of its own,
    closed at once: a request's session lives as long as its response, here the whole stream."""
    with request.app.state.session_factory() as session:
        experiment_or_404(session, experiment_id)


def _last_epoch(header: str | None) -> int:
    """The last epoch the browser saw; a header that is no epoch number replays from the start."""
    return parse_whole(header) or 0


@router.get(
    "/{experiment_id}/events",
    response_class=EventSourceResponse,
    summary="Live epochs, status changes and done (server-sent events)",
    responses=error_responses(404, 422),
)
async def experiment_events(
    experiment_id: PathId,
    request: Request,
    _exists: Annotated[None, Depends(_experiment_exists)],
    last_event_id: Annotated[str | None, Header()] = None,
    inspection: Annotated[bool, Query(description="Add each epoch's look inside the network.")] = False,
) -> AsyncIterator[ServerSentEvent]:
    sessions = request.app.state.session_factory
    after = _last_epoch(last_event_id)
    # A step turns "step" back into "pause", often between two polls: while paused, a new
    # epoch is a change too (panel_state holds it), so the page learns the step is over.
    last_status: str | None = None
    yield ServerSentEvent(comment="connected", retry=RECONNECT_MS)
    while True:
        state, rows = await to_thread.run_sync(_snapshot, sessions, experiment_id, after, inspection)
        if state is None:  # deleted while watched
            yield ServerSentEvent(event="done", data={"id": experiment_id, "status": "deleted"})
            return
        for row in rows:
            yield ServerSentEvent(event="epoch", id=str(row["epoch"]), data=row)
            after = row["epoch"]
        if state["panel_state"] != last_status:
            last_status = state["panel_state"]
            yield ServerSentEvent(event="status", data=state)
        if state["status"] in ExperimentStatus.FINISHED:
            yield ServerSentEvent(event="done", data=state)
            return
        if await request.is_disconnected():
            return
        await asyncio.sleep(POLL_SECONDS)
