"""The server's side of runs on a Dask cluster: where a run trains, what the person asked
of it, its leases, and requeueing what the cluster no longer runs.

Cluster runs are claimed under a worker id starting with `CLUSTER_WORKER_PREFIX`, so a
restarted server can tell them from local workers' runs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.db.models import EpochMetric, Experiment, ExperimentStatus, utc_now

Status = ExperimentStatus
CLUSTER_WORKER_PREFIX = "dask:"


def set_worker_address(*, session: Session, experiment_id: int, claim_token: str, address: str) -> bool:
    """Record the Dask worker that trains the claimed run; False when the claim is gone."""
    changed = session.execute(
        update(Experiment)
        .where(Experiment.id == experiment_id, Experiment.claim_token == claim_token,
               Experiment.status.in_(Status.LEASED))
        .values(worker_address=address)
    ).rowcount
    session.commit()
    return bool(changed)


def run_controls(*, session: Session, experiment_ids: Collection[int]) -> dict[int, tuple[bool, str | None, str]]:
    """Per experiment: cancel asked, pause request, status. A vanished one is absent."""
    if not experiment_ids:
        return {}
    rows = session.execute(
        select(Experiment.id, Experiment.cancel_requested, Experiment.pause_control, Experiment.status)
        .where(Experiment.id.in_(list(experiment_ids)))
    ).all()
    session.rollback()
    return {row.id: (bool(row.cancel_requested), row.pause_control, row.status) for row in rows}


def renew_cluster_leases(*, session: Session, claim_tokens: Collection[str], lease_seconds: float) -> None:
    if not claim_tokens:
        return
    session.execute(
        update(Experiment)
        .where(Experiment.claim_token.in_(list(claim_tokens)), Experiment.status.in_(Status.LEASED))
        .values(lease_expires_at=utc_now() + timedelta(seconds=lease_seconds))
    )
    session.commit()


def _requeue(session: Session, condition: Any) -> int:
    """Back to the queue from scratch (its epochs dropped); a run the person cancelled ends cancelled."""
    match = Experiment.status.in_(Status.LEASED) & condition
    ids = list(session.scalars(select(Experiment.id).where(match)))
    if not ids:
        session.rollback()
        return 0
    chosen = Experiment.id.in_(ids) & Experiment.status.in_(Status.LEASED)
    released = {"worker_id": None, "worker_address": None, "instance_id": None, "claim_token": None,
                "lease_expires_at": None, "pause_control": None}
    session.execute(
        update(Experiment).where(chosen & Experiment.cancel_requested)
        .values(status=Status.CANCELLED, finished_at=utc_now(), **released)
    )
    session.execute(delete(EpochMetric).where(EpochMetric.experiment_id.in_(
        select(Experiment.id).where(chosen))))
    session.execute(
        update(Experiment).where(chosen)
        .values(status=Status.QUEUED, epochs_done=0, best_epoch=None, started_at=None, **released)
    )
    session.commit()
    return len(ids)


def cluster_instances(*, session: Session) -> set[str]:
    """The servers whose cluster runs hold a lease now."""
    held = select(Experiment.instance_id).where(
        Experiment.status.in_(Status.LEASED), Experiment.worker_id.startswith(CLUSTER_WORKER_PREFIX),
        Experiment.instance_id.is_not(None))
    return {instance for instance in session.scalars(held) if instance is not None}


def requeue_claims(*, session: Session, claim_tokens: Collection[str]) -> int:
    """This server stops: its runs go back to the queue for the next one."""
    if not claim_tokens:
        return 0
    return _requeue(session, Experiment.claim_token.in_(list(claim_tokens)))


def requeue_orphaned_cluster_runs(
    *, session: Session, dead_instances: Collection[str], now: datetime | None = None
) -> int:
    """Cluster runs of a server that is gone (its instance dead, or its lease run out): queued again."""
    orphaned = Experiment.lease_expires_at < (now or utc_now())
    if dead_instances:
        orphaned |= Experiment.instance_id.in_(list(dead_instances))
    return _requeue(session, Experiment.worker_id.startswith(CLUSTER_WORKER_PREFIX) & orphaned)
