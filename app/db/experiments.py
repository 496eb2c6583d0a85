"""Experiments: creation, the workers' claim / lease / epoch protocol, cancel and recovery.

Every state change is one short transaction, so a web request never waits long on
a worker and a worker that dies leaves a lease that simply runs out.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.db.models import Dataset, EpochMetric, Experiment, ExperimentStatus, utc_now

Status = ExperimentStatus


def create_experiment(*, session: Session, dataset: Dataset, spec: dict[str, Any], epochs_total: int) -> Experiment:
    experiment = Experiment(dataset_id=dataset.id, spec=spec, epochs_total=epochs_total, status=Status.QUEUED)
    session.add(experiment)
    session.commit()
    return experiment


def get_experiment(*, session: Session, experiment_id: int) -> Experiment | None:
    return session.get(Experiment, experiment_id)


def list_experiments(*, session: Session, dataset_id: int | None = None) -> Sequence[Experiment]:
    query = select(Experiment).order_by(Experiment.created_at.desc(), Experiment.id.desc())
    if dataset_id is not None:
        query = query.where(Experiment.dataset_id == dataset_id)
    return session.scalars(query).all()


def queue_position(*, session: Session, experiment: Experiment) -> int | None:
    """1 for the next to be claimed; None once it is no longer queued."""
    if experiment.status != Status.QUEUED:
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(Experiment)
        .where(Experiment.status == Status.QUEUED, Experiment.id < experiment.id)
    )
    return int(ahead or 0) + 1


def epochs_after(*, session: Session, experiment_id: int, after: int = 0) -> Sequence[EpochMetric]:
    return session.scalars(
        select(EpochMetric)
        .where(EpochMetric.experiment_id == experiment_id, EpochMetric.epoch > after)
        .order_by(EpochMetric.epoch)
    ).all()


def request_cancel(*, session: Session, experiment: Experiment) -> None:
    """A queued experiment is cancelled at once; a running one at its next check."""
    if experiment.status == Status.QUEUED:
        session.execute(
            update(Experiment)
            .where(Experiment.id == experiment.id, Experiment.status == Status.QUEUED)
            .values(status=Status.CANCELLED, finished_at=utc_now(), error=None)
        )
    if experiment.status in Status.ACTIVE:
        session.execute(update(Experiment).where(Experiment.id == experiment.id).values(cancel_requested=True))
    session.commit()
    session.refresh(experiment)


def restart_experiment(*, session: Session, experiment: Experiment) -> None:
    """Queue a finished experiment again from scratch (its old epochs are dropped)."""
    session.execute(delete(EpochMetric).where(EpochMetric.experiment_id == experiment.id))
    session.execute(
        update(Experiment)
        .where(Experiment.id == experiment.id)
        .values(
            status=Status.QUEUED,
            epochs_done=0,
            best_epoch=None,
            error=None,
            metrics=None,
            summary=None,
            cross_validation=None,
            cancel_requested=False,
            pause_control=None,
            worker_id=None,
            lease_expires_at=None,
            started_at=None,
            finished_at=None,
            created_at=utc_now(),
        )
    )
    session.commit()
    session.refresh(experiment)


def experiment_dir(experiments_dir: Path, experiment_id: int) -> Path:
    """The folder of an experiment's model, pipeline and predictions."""
    return experiments_dir / str(experiment_id)


def delete_experiment(*, session: Session, experiments_dir: Path, experiment: Experiment) -> None:
    """The row first; its files only once the delete has committed."""
    directory = experiment_dir(experiments_dir, experiment.id)
    session.delete(experiment)
    session.commit()
    shutil.rmtree(directory, ignore_errors=True)


# The workers' side ---------------------------------------------------------------


def claim_next_experiment(*, session: Session, worker_id: str, lease_seconds: float) -> int | None:
    """Atomically move the oldest queued experiment to `running` for this worker."""
    now = utc_now()
    oldest_queued = (
        select(Experiment.id)
        .where(Experiment.status == Status.QUEUED)
        .order_by(Experiment.id)
        .limit(1)
        .scalar_subquery()
    )
    claimed = session.execute(
        update(Experiment)
        .where(Experiment.id == oldest_queued, Experiment.status == Status.QUEUED)
        .values(
            status=Status.RUNNING,
            worker_id=worker_id,
            started_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )
        .returning(Experiment.id)
    ).scalar_one_or_none()
    session.commit()
    return claimed


def renew_lease(*, session: Session, experiment_id: int, worker_id: str, lease_seconds: float) -> bool:
    """Extend our lease; False when the experiment is no longer ours to run."""
    renewed = session.execute(
        update(Experiment)
        .where(
            Experiment.id == experiment_id,
            Experiment.worker_id == worker_id,
            Experiment.status.in_(Status.LEASED),
        )
        .values(lease_expires_at=utc_now() + timedelta(seconds=lease_seconds))
    ).rowcount
    session.commit()
    return bool(renewed)


@dataclass(frozen=True)
class EpochRow:
    epoch: int
    train_loss: float | None
    val_loss: float | None
    train_metric: float | None
    val_metric: float | None
    seconds: float
    inspection: dict[str, Any] | None = None


def record_epoch(
    *,
    session: Session,
    experiment_id: int,
    worker_id: str,
    row: EpochRow,
    lease_seconds: float,
    best_epoch: int | None,
) -> bool:
    """Write one epoch and renew the lease in one transaction. Returns "cancel requested"."""
    session.add(EpochMetric(experiment_id=experiment_id, **row.__dict__))
    session.execute(
        update(Experiment)
        .where(Experiment.id == experiment_id, Experiment.worker_id == worker_id)
        .values(
            epochs_done=row.epoch,
            best_epoch=best_epoch,
            lease_expires_at=utc_now() + timedelta(seconds=lease_seconds),
        )
    )
    session.commit()
    return is_cancel_requested(session=session, experiment_id=experiment_id)


def record_inspection(*, session: Session, experiment_id: int, epoch: int, inspection: dict[str, Any]) -> None:
    session.execute(
        update(EpochMetric)
        .where(EpochMetric.experiment_id == experiment_id, EpochMetric.epoch == epoch)
        .values(inspection=inspection)
    )
    session.commit()


def is_cancel_requested(*, session: Session, experiment_id: int) -> bool:
    return bool(session.scalar(select(Experiment.cancel_requested).where(Experiment.id == experiment_id)))


def set_task(*, session: Session, experiment_id: int, task: str) -> None:
    session.execute(update(Experiment).where(Experiment.id == experiment_id).values(task=task))
    session.commit()


def finish_experiment(
    *,
    session: Session,
    experiment_id: int,
    worker_id: str,
    status: str,
    error: str | None = None,
    metrics: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    best_epoch: int | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "error": error,
        "finished_at": utc_now(),
        "lease_expires_at": None,
        "pause_control": None,
    }
    if metrics is not None:
        values["metrics"] = metrics
    if summary is not None:
        values["summary"] = summary
    if best_epoch is not None:
        values["best_epoch"] = best_epoch
    session.execute(
        update(Experiment).where(Experiment.id == experiment_id, Experiment.worker_id == worker_id).values(**values)
    )
    session.commit()


INTERRUPTED_REASON = (
    "Training stopped because the server or its worker ended unexpectedly. "
    "Restart it to train again from the beginning."
)


def interrupt_expired_leases(*, session: Session, now: datetime | None = None) -> int:
    """Mark running experiments whose lease ran out as interrupted; return how many."""
    now = now or utc_now()
    count = session.execute(
        update(Experiment)
        .where(Experiment.status.in_(Status.LEASED), Experiment.lease_expires_at < now)
        .values(status=Status.INTERRUPTED, error=INTERRUPTED_REASON, finished_at=now, lease_expires_at=None)
    ).rowcount
    session.commit()
    return int(count or 0)


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
