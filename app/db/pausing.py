"""Pause, step and resume: the person's requests and the worker's side of them.

A request is a flag on the experiment (`pause_control`); the worker acts on it
between two epochs, so a pause never splits an epoch and keeps the worker's lease.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import Experiment, ExperimentStatus, PauseControl

Status = ExperimentStatus


class PauseConflict(ValueError):
    """The request does not fit the experiment's state; the message says why."""


def request_pause(*, session: Session, experiment: Experiment) -> None:
    """Queued or running: pause after the next finished epoch."""
    if experiment.status not in (Status.QUEUED, Status.RUNNING):
        raise PauseConflict(f"Only a queued or running experiment can be paused; this one is {experiment.status}.")
    _set(session, experiment, PauseControl.PAUSE)


def request_step(*, session: Session, experiment: Experiment) -> None:
    """Paused: train exactly one more epoch, then pause again."""
    if experiment.status != Status.PAUSED:
        raise PauseConflict(f"Step trains one epoch of a paused experiment; this one is {experiment.status}.")
    _set(session, experiment, PauseControl.STEP)


def request_resume(*, session: Session, experiment: Experiment) -> None:
    """Paused (or about to pause): carry on training."""
    if experiment.status not in Status.ACTIVE or (
        experiment.status != Status.PAUSED and experiment.pause_control is None
    ):
        raise PauseConflict(f"Only a paused experiment can be resumed; this one is {experiment.status}.")
    _set(session, experiment, None)


def _set(session: Session, experiment: Experiment, control: str | None) -> None:
    session.execute(
        update(Experiment)
        .where(Experiment.id == experiment.id, Experiment.status.in_(Status.ACTIVE))
        .values(pause_control=control)
    )
    session.commit()
    session.refresh(experiment)


def pause_control(*, session: Session, experiment_id: int) -> tuple[str | None, bool]:
    """The pending request and whether cancel was asked, as the worker polls them."""
    row = session.execute(
        select(Experiment.pause_control, Experiment.cancel_requested).where(Experiment.id == experiment_id)
    ).one_or_none()
    return (row[0], bool(row[1])) if row else (None, True)


def mark_paused(*, session: Session, experiment_id: int, worker_id: str, paused: bool) -> bool:
    """The worker's side: status `paused` while it waits, `running` while it trains.
    A step request becomes a pause request again, so exactly one epoch runs."""
    values: dict[str, object] = {"status": Status.PAUSED if paused else Status.RUNNING}
    if not paused:
        control = session.scalar(select(Experiment.pause_control).where(Experiment.id == experiment_id))
        values["pause_control"] = PauseControl.PAUSE if control == PauseControl.STEP else control
    changed = session.execute(
        update(Experiment)
        .where(Experiment.id == experiment_id, Experiment.worker_id == worker_id,
               Experiment.status.in_(Status.LEASED))
        .values(**values)
    ).rowcount
    session.commit()
    return bool(changed)
