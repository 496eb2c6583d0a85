"""The workers' claim on a queued experiment: claim, lease, and ending runs whose worker died.

A worker claims the oldest queued experiment with a fresh claim token and renews its
lease while it trains; every later write of the run names the token (`claimed`), so a
run that was revoked (deleted, restarted, given up as dead) raises ClaimLost in its
worker instead of being overwritten. The supervisor ends runs whose lease ran out or
whose worker or pool is gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db.models import Experiment, ExperimentStatus, utc_now

Status = ExperimentStatus


class ClaimLost(Exception):
    """The run this worker claimed was revoked: deleted, restarted, or given up as dead."""


def new_claim_token() -> str:
    return uuid.uuid4().hex


def claim_next_experiment(
    *,
    session: Session,
    worker_id: str,
    lease_seconds: float,
    claim_token: str | None = None,
    instance_id: str | None = None,
) -> int | None:
    """Atomically move the oldest queued experiment to `running` for this worker.

    The claim token (a fresh one unless given) must accompany every later write of the run.
    On PostgreSQL, claims at the same moment skip each other's row (FOR UPDATE SKIP LOCKED)
    instead of queueing behind it and then finding it taken; SQLite, which locks the whole
    database for a write, renders no FOR UPDATE.
    """
    now = utc_now()
    oldest_queued = (
        select(Experiment.id)
        .where(Experiment.status == Status.QUEUED)
        .order_by(Experiment.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = session.execute(
        update(Experiment)
        .where(Experiment.id == oldest_queued, Experiment.status == Status.QUEUED)
        .values(
            status=Status.RUNNING,
            worker_id=worker_id,
            instance_id=instance_id,
            claim_token=claim_token or new_claim_token(),
            started_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )
        .returning(Experiment.id)
    ).scalar_one_or_none()
    session.commit()
    return claimed


def claimed(experiment_id: int, claim_token: str) -> Any:
    return (
        (Experiment.id == experiment_id)
        & (Experiment.claim_token == claim_token)
        & Experiment.status.in_(Status.LEASED)
    )


def claim_token_of(*, session: Session, experiment_id: int) -> str | None:
    return session.scalar(select(Experiment.claim_token).where(Experiment.id == experiment_id))


def renew_lease(*, session: Session, experiment_id: int, claim_token: str, lease_seconds: float) -> bool:
    """Extend our lease; False when the experiment is no longer ours to run."""
    renewed = session.execute(
        update(Experiment)
        .where(claimed(experiment_id, claim_token))
        .values(lease_expires_at=utc_now() + timedelta(seconds=lease_seconds))
    ).rowcount
    session.commit()
    return bool(renewed)


def holds_claim(*, session: Session, experiment_id: int, claim_token: str) -> bool:
    return session.scalar(select(func.count()).select_from(Experiment).where(claimed(experiment_id, claim_token))) == 1


INTERRUPTED_REASON = (
    "Training stopped because the server or its worker ended unexpectedly. "
    "Restart it to train again from the beginning."
)


WORKER_DIED_REASON = (
    "The worker process running this experiment stopped unexpectedly (killed or out of memory); "
    "press Restart to run it again."
)


def _interrupt(session: Session, condition: Any, reason: str, now: datetime | None = None) -> int:
    """Read first: the supervisor asks every second, and most seconds there is nothing to write."""
    now = now or utc_now()
    match = Experiment.status.in_(Status.LEASED) & condition
    if session.scalar(select(Experiment.id).where(match).limit(1)) is None:
        session.rollback()
        return 0
    count = session.execute(
        update(Experiment)
        .where(match)
        .values(status=Status.INTERRUPTED, error=reason, finished_at=now, lease_expires_at=None, claim_token=None)
    ).rowcount
    session.commit()
    return int(count or 0)


def interrupt_expired_leases(
    *, session: Session, now: datetime | None = None, live_instances: Collection[str] = ()
) -> int:
    """Mark running experiments whose lease ran out as interrupted; return how many.

    Runs of `live_instances` (pools known to be alive, which supervise their own workers)
    are left alone: a slow heartbeat on a busy machine must not end a healthy run.
    """
    now = now or utc_now()
    expired = Experiment.lease_expires_at < now
    if live_instances:
        expired &= Experiment.instance_id.is_(None) | Experiment.instance_id.not_in(list(live_instances))
    return _interrupt(session, expired, INTERRUPTED_REASON, now)


def interrupt_worker_runs(*, session: Session, worker_id: str, reason: str = WORKER_DIED_REASON) -> int:
    """A worker process is gone: its running experiment is interrupted at once."""
    return _interrupt(session, Experiment.worker_id == worker_id, reason)


def interrupt_instance_runs(*, session: Session, instance_id: str, reason: str = INTERRUPTED_REASON) -> int:
    """A whole pool (its server) is gone: every experiment it was running is interrupted."""
    return _interrupt(session, Experiment.instance_id == instance_id, reason)


def running_instances(*, session: Session) -> set[str]:
    """The pools that hold a running experiment now."""
    running = select(Experiment.instance_id).where(
        Experiment.status.in_(Status.LEASED), Experiment.instance_id.is_not(None)
    )
    return {instance_id for instance_id in session.scalars(running) if instance_id is not None}


def count_running_experiments(*, session: Session, other_than: int, now: datetime | None = None) -> int:
    """Experiments other than `other_than` that a live worker is training."""
    now = now or utc_now()
    return int(
        session.scalar(
            select(func.count())
            .select_from(Experiment)
            .where(Experiment.status == Status.RUNNING, Experiment.id != other_than, Experiment.lease_expires_at >= now)
        )
        or 0
    )
