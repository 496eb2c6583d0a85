"""FastAPI dependencies as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.db.datasets import get_dataset
from app.db.experiments import get_experiment
from app.db.models import Dataset, Experiment, Sweep
from app.db.sweeps import get_sweep


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session, opened and closed on the event loop when that does no I/O.

    A plain generator would take two extra trips to the thread pool per request (each a GIL
    hand-over that queues behind every other reader's). Opening a session touches no database;
    closing one only rolls back in memory unless a write is still open (SQLite), and otherwise
    runs in a thread like the route."""
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        if closes_in_memory(session):
            session.close()
        else:
            await run_in_threadpool(session.close)


def closes_in_memory(session: Session) -> bool:
    """True when closing `session` does no database I/O: it never connected, or it holds a SQLite
    connection with no transaction open (SQLite begins one only for a write; a rollback of a
    read is a check of a flag). Another database's rollback is a round trip over the network."""
    transaction = session.get_transaction()
    if transaction is None:
        return True
    if not transaction.is_active:  # a failed flush: the rollback may have work to do
        return False
    connection = session.connection()  # the one the transaction holds: no new connection
    if connection.dialect.name != "sqlite":
        return False
    return not getattr(connection.connection.dbapi_connection, "in_transaction", True)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def dataset_or_404(session: Session, dataset_id: int, status_code: int = 404) -> Dataset:
    dataset = get_dataset(session=session, dataset_id=dataset_id)
    if dataset is None:
        raise HTTPException(status_code, f"There is no dataset {dataset_id}.")
    return dataset


def experiment_or_404(session: Session, experiment_id: int) -> Experiment:
    experiment = get_experiment(session=session, experiment_id=experiment_id)
    if experiment is None:
        raise experiment_not_found(experiment_id)
    return experiment


def experiment_not_found(experiment_id: int) -> HTTPException:
    return HTTPException(404, f"There is no experiment {experiment_id}.")


def sweep_or_404(session: Session, sweep_id: int) -> Sweep:
    sweep = get_sweep(session=session, sweep_id=sweep_id)
    if sweep is None:
        raise HTTPException(404, f"There is no sweep {sweep_id}.")
    return sweep
