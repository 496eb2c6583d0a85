"""Experiments: creation, cancel, restart, and what a claimed run writes (epochs, results).

The claim and its lease live in leases.py.

Every state change is one short transaction, so a web request never waits long on
a worker and a worker that dies leaves a lease that simply runs out.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, lazyload, load_only, raiseload

from app.db.leases import ClaimLost, claimed
from app.db.models import Dataset, EpochMetric, Experiment, ExperimentStatus, Sweep, utc_now

Status = ExperimentStatus


def create_experiment(*, session: Session, dataset: Dataset, spec: dict[str, Any], epochs_total: int) -> Experiment:
    experiment = Experiment(
        dataset_id=dataset.id,
        spec=spec,
        epochs_total=epochs_total,
        status=Status.QUEUED,
        missing_tokens=dataset.read_options.get("missing_tokens"),
    )
    session.add(experiment)
    session.commit()
    return experiment


def create_continued_experiment(
    *, session: Session, parent: Experiment, spec: dict[str, Any], parent_epoch: int, epochs_total: int,
    prepare_files: Callable[[int], None],
) -> Experiment:
    """Queue an experiment continuing `parent` after `parent_epoch`. `prepare_files(id)` lays
    out its starting files before the commit, so no worker claims it before they exist."""
    experiment = Experiment(dataset_id=parent.dataset_id, spec=spec, epochs_total=epochs_total,
                            status=Status.QUEUED, parent_id=parent.id, parent_epoch=parent_epoch)
    session.add(experiment)
    session.flush()
    try:
        prepare_files(experiment.id)
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return experiment


def get_experiment(*, session: Session, experiment_id: int) -> Experiment | None:
    return session.get(Experiment, experiment_id)


def get_experiment_alone(*, session: Session, experiment_id: int) -> Experiment | None:
    """The experiment without the rows it joins by default: touching its dataset raises, and its
    sweep (a sweep run's only) is read on first use, for the revealed configuration alone."""
    return session.get(Experiment, experiment_id, options=[
        raiseload(Experiment.dataset),
        lazyload(Experiment.sweep).options(load_only(Sweep.revealed_config, raiseload=True), raiseload(Sweep.dataset)),
    ])


@dataclass(frozen=True)
class DetailVersion:
    """What an experiment's detail depends on besides its row's id: the row's version and, for a
    sweep run, the sweep's revealed configuration (which decides whether its test split shows)."""

    version: int
    revealed_config: int | None = None


def version_of(experiment: Experiment) -> DetailVersion:
    sweep = experiment.sweep if experiment.sweep_id is not None else None
    return DetailVersion(experiment.version, sweep.revealed_config if sweep is not None else None)


def detail_version(*, session: Session, experiment_id: int) -> DetailVersion | None:
    """None when there is no such experiment (or it is not the current account's to read)."""
    row = session.execute(
        select(Experiment.version, Experiment.sweep_id).where(Experiment.id == experiment_id)
    ).first()
    if row is None:
        return None
    if row.sweep_id is None:
        return DetailVersion(row.version)
    revealed = session.scalar(select(Sweep.revealed_config).where(Sweep.id == row.sweep_id))
    return DetailVersion(row.version, revealed)


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
            worker_address=None,
            instance_id=None,
            claim_token=None,
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


def revoke_active(*, session: Session, experiment_ids: Sequence[int]) -> None:
    """Cancel these experiments' queued and running jobs and revoke their claims.

    Committed before a delete, so a worker still training one of them finds its claim
    gone at its next check and stops, instead of writing into rows that are going away.
    """
    session.execute(
        update(Experiment)
        .where(Experiment.id.in_(experiment_ids), Experiment.status.in_(Status.ACTIVE))
        .values(
            status=Status.CANCELLED,
            cancel_requested=True,
            claim_token=None,
            lease_expires_at=None,
            finished_at=utc_now(),
        )
    )
    session.commit()


def delete_experiment(*, session: Session, experiments_dir: Path, experiment: Experiment) -> None:
    """Cancel its job, then the row; its files only once the delete has committed."""
    directory = experiment_dir(experiments_dir, experiment.id)
    revoke_active(session=session, experiment_ids=[experiment.id])
    # The database would clear the continuations' parent_id itself (ON DELETE SET NULL), unseen
    # by the ORM: done here, the update bumps their row versions, so no kept JSON names the parent.
    session.execute(update(Experiment).where(Experiment.parent_id == experiment.id).values(parent_id=None))
    session.delete(experiment)
    session.commit()
    shutil.rmtree(directory, ignore_errors=True)


# The workers' side ---------------------------------------------------------------


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
    claim_token: str,
    row: EpochRow,
    lease_seconds: float,
    best_epoch: int | None,
) -> bool:
    """Write one epoch and renew the lease in one transaction. Returns "cancel requested".

    Raises ClaimLost, writing nothing, when the run is no longer this claim's.
    """
    updated = session.execute(
        update(Experiment)
        .where(claimed(experiment_id, claim_token))
        .values(
            epochs_done=row.epoch,
            best_epoch=best_epoch,
            lease_expires_at=utc_now() + timedelta(seconds=lease_seconds),
        )
    ).rowcount
    if not updated:
        session.rollback()
        raise ClaimLost(f"Experiment {experiment_id} is no longer this worker's to run.")
    session.add(EpochMetric(experiment_id=experiment_id, **row.__dict__))
    session.commit()
    return is_cancel_requested(session=session, experiment_id=experiment_id, claim_token=claim_token)


def record_inspection(*, session: Session, experiment_id: int, epoch: int, inspection: dict[str, Any]) -> None:
    session.execute(
        update(EpochMetric)
        .where(EpochMetric.experiment_id == experiment_id, EpochMetric.epoch == epoch)
        .values(inspection=inspection)
    )
    session.commit()


def is_cancel_requested(*, session: Session, experiment_id: int, claim_token: str | None = None) -> bool:
    """Whether the user asked to stop; with a claim token, raises ClaimLost once the claim is gone."""
    row = session.execute(
        select(Experiment.cancel_requested, Experiment.claim_token, Experiment.status).where(
            Experiment.id == experiment_id
        )
    ).first()
    if claim_token is not None and (row is None or row.claim_token != claim_token or row.status not in Status.LEASED):
        raise ClaimLost(f"Experiment {experiment_id} is no longer this worker's to run.")
    return bool(row is not None and row.cancel_requested)


def set_task(*, session: Session, experiment_id: int, task: str) -> None:
    session.execute(update(Experiment).where(Experiment.id == experiment_id).values(task=task))
    session.commit()


def finish_experiment(
    *,
    session: Session,
    experiment_id: int,
    claim_token: str,
    status: str,
    error: str | None = None,
    metrics: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    best_epoch: int | None = None,
) -> bool:
    """End the claimed run; False (nothing written) when the claim was revoked."""
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
    finished = session.execute(update(Experiment).where(claimed(experiment_id, claim_token)).values(**values)).rowcount
    session.commit()
    return bool(finished)


def store_results(
    *, session: Session, experiment: Experiment, metrics: dict[str, Any], summary: dict[str, Any]
) -> None:
    """Replace a finished experiment's metrics and summary (a new decision threshold rescores them)."""
    experiment.metrics = metrics
    experiment.summary = summary
    session.commit()

