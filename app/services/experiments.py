"""Experiment use cases: queue one (every way of creating one checks its spec here),
cancel, restart, and continue training."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.config import Settings
from app.db.experiments import create_experiment, request_cancel, restart_experiment
from app.db.models import Dataset, Experiment, ExperimentStatus
from app.jobs.continuation import ContinuationError, continue_experiment
from app.services.errors import ServiceError
from app.services.spec_checks import over_budget, problems_with_spec
from app.specs import ExperimentSpec


def spec_problems(spec: ExperimentSpec, dataset: Dataset, settings: Settings) -> list[str]:
    """What stops this spec from training on this dataset: the profile's checks, then the budget."""
    return problems_with_spec(spec, dataset) or [p for p in [over_budget(spec, dataset, settings)] if p]


def queue_experiment(
    session: Session, settings: Settings, dataset: Dataset, spec: ExperimentSpec
) -> Experiment:
    """Check the spec against the dataset and store it `queued`; 422 with every problem."""
    problems = spec_problems(spec, dataset, settings)
    if problems:
        raise ServiceError(422, " ".join(problems))
    return create_experiment(
        session=session, dataset=dataset, spec=spec.model_dump(mode="json"), epochs_total=spec.training.epochs
    )


def cancel(session: Session, experiment: Experiment) -> Experiment:
    """Ask a queued or running experiment to stop; a finished one is left as it is."""
    if experiment.status in ExperimentStatus.ACTIVE:
        request_cancel(session=session, experiment=experiment)
    return experiment


def restart(session: Session, experiment: Experiment) -> Experiment:
    """Queue a finished experiment again; 409 while it is still queued or running."""
    if experiment.status in ExperimentStatus.ACTIVE:
        raise ServiceError(409, f"Experiment {experiment.id} is still {experiment.status}; cancel it first.")
    restart_experiment(session=session, experiment=experiment)
    return experiment


def continue_training(session: Session, settings: Settings, parent: Experiment, epochs: int) -> Experiment:
    """A new experiment that trains a completed or cancelled one further; 409 when it cannot."""
    try:
        return continue_experiment(
            session=session, experiments_dir=settings.experiments_dir, parent=parent, epochs=epochs
        )
    except ContinuationError as exc:
        raise ServiceError(409, str(exc)) from exc
