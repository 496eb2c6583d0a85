"""A finished experiment's decisions and doubts: its binary decision threshold, and the
rows it gets most wrong (never on a test split still blind)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.config import Settings
from app.db.experiments import experiment_dir, store_results
from app.db.models import Experiment, ExperimentStatus
from app.jobs.decisions import ThresholdError, rescore
from app.jobs.largest_errors import largest_errors
from app.jobs.predictions import ModelNotAvailable
from app.services.errors import ServiceError
from app.services.sweep_blinding import test_hidden


def change_threshold(session: Session, settings: Settings, experiment: Experiment, threshold: float) -> Experiment:
    """Rescore a finished binary experiment at `threshold` and store it; 409 with the reason."""
    if experiment.status != ExperimentStatus.COMPLETED or not experiment.metrics or not experiment.summary:
        raise ServiceError(409, f"Experiment {experiment.id} has no finished results ({experiment.status}).")
    try:
        metrics, summary = rescore(
            experiment_dir(settings.experiments_dir, experiment.id), experiment.metrics, experiment.summary, threshold
        )
    except ThresholdError as exc:
        raise ServiceError(409, str(exc)) from exc
    store_results(session=session, experiment=experiment, metrics=metrics, summary=summary)
    return experiment


def errors_of(settings: Settings, experiment: Experiment, split: str, limit: int) -> dict[str, Any]:
    """The `limit` worst rows of a split with their inputs; 409 on a blind test split or no results."""
    if split == "test" and test_hidden(experiment):
        raise ServiceError(409, "The test split of this sweep run stays blind until its configuration is picked.")
    try:
        return largest_errors(experiment_dir(settings.experiments_dir, experiment.id), split, limit)
    except ModelNotAvailable as exc:
        raise ServiceError(409, f"Experiment {experiment.id} has no stored results ({experiment.status}).") from exc
