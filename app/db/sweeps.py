"""Sweeps: a sweep and all its queued experiments in one transaction; progress; cancel; reveal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import Dataset, Experiment, ExperimentStatus, Sweep, utc_now

Status = ExperimentStatus


@dataclass(frozen=True)
class SweepRunSpec:
    """One experiment to queue: its configuration number and its spec (as JSON)."""

    config: int
    spec: dict[str, Any]
    epochs: int


def create_sweep(
    *,
    session: Session,
    dataset: Dataset,
    base: dict[str, Any],
    space: dict[str, Any],
    strategy: str,
    samples: int | None,
    repeats: int,
    configs: list[dict[str, Any]],
    runs: Sequence[SweepRunSpec],
    estimate_seconds: float | None,
) -> Sweep:
    """The sweep row and every experiment of it, committed together (or not at all)."""
    sweep = Sweep(
        dataset_id=dataset.id,
        base=base,
        space=space,
        strategy=strategy,
        samples=samples,
        repeats=repeats,
        configs=configs,
        estimate_seconds=estimate_seconds,
    )
    session.add(sweep)
    session.flush()
    session.add_all(
        Experiment(
            dataset_id=dataset.id,
            spec=run.spec,
            epochs_total=run.epochs,
            status=Status.QUEUED,
            sweep_id=sweep.id,
            sweep_config=run.config,
        )
        for run in runs
    )
    session.commit()
    return sweep


def get_sweep(*, session: Session, sweep_id: int) -> Sweep | None:
    return session.get(Sweep, sweep_id)


def list_sweeps(*, session: Session, dataset_id: int | None = None) -> Sequence[Sweep]:
    query = select(Sweep).order_by(Sweep.created_at.desc(), Sweep.id.desc())
    if dataset_id is not None:
        query = query.where(Sweep.dataset_id == dataset_id)
    return session.scalars(query).all()


def sweep_experiments(*, session: Session, sweep_id: int) -> Sequence[Experiment]:
    return session.scalars(select(Experiment).where(Experiment.sweep_id == sweep_id).order_by(Experiment.id)).all()


def cancel_sweep(*, session: Session, sweep: Sweep) -> None:
    """Queued experiments are cancelled at once, running ones at their next check."""
    now = utc_now()
    session.execute(
        update(Experiment)
        .where(Experiment.sweep_id == sweep.id, Experiment.status == Status.QUEUED)
        .values(status=Status.CANCELLED, finished_at=now, cancel_requested=True)
    )
    session.execute(
        update(Experiment)
        .where(Experiment.sweep_id == sweep.id, Experiment.status.in_(Status.LEASED))
        .values(cancel_requested=True)
    )
    sweep.cancel_requested = True
    session.commit()


def reveal_config(*, session: Session, sweep: Sweep, config: int) -> None:
    sweep.revealed_config = config
    session.commit()


@dataclass(frozen=True)
class FinishedRun:
    spec: dict[str, Any]
    seconds: float
    epochs_done: int


def finished_runs(*, session: Session, dataset_id: int, limit: int = 20) -> list[FinishedRun]:
    """The latest completed experiments of a dataset, with their wall time."""
    rows = session.scalars(
        select(Experiment)
        .where(
            Experiment.dataset_id == dataset_id,
            Experiment.status == Status.COMPLETED,
            Experiment.started_at.is_not(None),
            Experiment.finished_at.is_not(None),
        )
        .order_by(Experiment.id.desc())
        .limit(limit)
    ).all()
    return [
        FinishedRun(e.spec, (e.finished_at - e.started_at).total_seconds(), e.epochs_done)  # type: ignore[operator]
        for e in rows
    ]
