"""A run whose loss became infinite (or NaN) before one epoch finished holds only its
initial weights: no model, predictions or scores to offer, and advice instead."""

from __future__ import annotations

from app.db.models import Experiment, ExperimentStatus
from app.services.errors import ServiceError

SUGGESTED_LEARNING_RATE = 0.001


def never_trained(experiment: Experiment) -> bool:
    """Diverged with no finite epoch: what was saved is the untrained network."""
    summary = experiment.summary or {}
    return (
        experiment.status == ExperimentStatus.FAILED
        and summary.get("stop_reason") == "diverged"
        and not experiment.best_epoch
    )


def divergence_advice(experiment: Experiment) -> str | None:
    """What to change, as one sentence; None when the run has something to offer."""
    if not never_trained(experiment):
        return None
    error = experiment.error or ""
    became = "NaN (not a number)" if "NaN" in error else "infinite"
    rate = float((experiment.spec.get("training") or {}).get("learning_rate", SUGGESTED_LEARNING_RATE))
    suggestion = SUGGESTED_LEARNING_RATE if rate > SUGGESTED_LEARNING_RATE else rate / 10
    return (
        f"The loss became {became} in the first epoch: lower the learning rate (try {suggestion:g}) "
        "or standardize the features."
    )


def require_trained(experiment: Experiment) -> None:
    """409 with the advice when the run never finished an epoch."""
    advice = divergence_advice(experiment)
    if advice:
        raise ServiceError(
            409, f"Experiment {experiment.id} has no trained model or predictions to offer. {advice}"
        )
