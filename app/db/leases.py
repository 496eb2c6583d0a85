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

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, aliased

from app.db.models import Experiment, ExperimentStatus, utc_now

Status = ExperimentStatus
FAIR_CLAIM_LOCK_KEY = 7_143_210_519  # any fixed number: fair-share claims, one at a time per database


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
    max_running_per_owner: int | None = None,
) -> int | None:
    """Atomically move the next queued experiment to `running` for this worker.

    Without accounts, the next is the oldest. With `max_running_per_owner` (accounts on), an
    owner already running that many waits, and the queue is served round robin across owners
    (`fair_order`). The claim token (a fresh one unless given) must accompany every later
    write of the run. On PostgreSQL, claims at the same moment skip each other's row (FOR
    UPDATE SKIP LOCKED) instead of queueing behind it; SQLite, which locks the whole database
    for a write, renders no FOR UPDATE.
    """
    now = utc_now()
    queued = aliased(Experiment)
    next_queued = select(queued.id).where(queued.status == Status.QUEUED)
    if max_running_per_owner is None:
        next_queued = next_queued.order_by(queued.id)
    else:
        if session.get_bind().dialect.name == "postgresql":
            # Claims one at a time while the limit is counted, so two cannot both take the last place.
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FAIR_CLAIM_LOCK_KEY})
        running, last_start = fair_order(queued)
        next_queued = next_queued.where(
            queued.owner_id.is_(None) | (running < max_running_per_owner)
        ).order_by(running, last_start.nulls_first(), queued.id)
    next_queued_id = next_queued.limit(1).with_for_update(skip_locked=True).scalar_subquery()
    claimed = session.execute(
        update(Experiment)
        .where(Experiment.id == next_queued_id, Experiment.status == Status.QUEUED)
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


def fair_order(queued: Any) -> tuple[Any, Any]:
    """For a queued row: how many runs its owner holds now, and when the owner's last run started.

    Ordering by both serves owners round robin: whoever holds fewest runs first, then whoever
    waited longest since their last start, then the oldest submission; a queue of 200 runs
    of one owner does not hold up the one run of another.
    """
    other = aliased(Experiment)
    running = (
        select(func.count(other.id))
        .where(other.owner_id == queued.owner_id, other.status.in_(Status.LEASED))
        .scalar_subquery()
    )
    last_start = select(func.max(other.started_at)).where(other.owner_id == queued.owner_id).scalar_subquery()
    return running, last_start


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
