"""FastAPI dependencies as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.datasets import get_dataset
from app.db.experiments import get_experiment
from app.db.models import Dataset, Experiment, Sweep
from app.db.sweeps import get_sweep


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


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
        raise HTTPException(404, f"There is no experiment {experiment_id}.")
    return experiment


def sweep_or_404(session: Session, sweep_id: int) -> Sweep:
    sweep = get_sweep(session=session, sweep_id=sweep_id)
    if sweep is None:
        raise HTTPException(404, f"There is no sweep {sweep_id}.")
    return sweep
