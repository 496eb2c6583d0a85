"""What a finished run records, wherever it ran: its summary and its final status.

The local worker and the Dask task both call these, so a run ends the same way on both.
"""

from __future__ import annotations

from typing import Any

from app.db.models import ExperimentStatus
from app.jobs.pipeline import ExperimentOutcome

SHUTDOWN_REASON = "The server was shut down during training. Restart the experiment to train it again."


def outcome_summary(outcome: ExperimentOutcome) -> dict[str, Any]:
    pipeline = outcome.pipeline
    return {
        "task_explanation": pipeline.task_explanation,
        "features": pipeline.features,
        "n_inputs": pipeline.n_inputs,
        "n_outputs": pipeline.n_outputs,
        "loss": pipeline.loss,
        "output_activation": pipeline.output_activation,
        "parameters": int(outcome.network.n_parameters),
        "split_sizes": outcome.split_sizes,
        "dropped_rows": outcome.dropped_rows,
        "stop_reason": outcome.training.stop_reason,
        "kept_epoch": outcome.training.kept_epoch,
        "weights_restored": outcome.training.weights_restored,
        "stop_message": outcome.training.message,
        "details": outcome.details,
        "importance": outcome.importance,
        "baseline": outcome.baseline,
        "warnings": outcome.warnings,
        "plots": outcome.plots,
        "decision": outcome.decision,
    }


def final_status(outcome: ExperimentOutcome, *, cancelled: bool, stopping: bool) -> tuple[str, str | None]:
    """`cancelled`: the person asked to stop; `stopping`: the run was stopped from outside."""
    reason = outcome.training.stop_reason
    if reason == "diverged":
        return ExperimentStatus.FAILED, outcome.training.message
    if reason == "cancelled":
        if cancelled:
            return ExperimentStatus.CANCELLED, None
        if stopping:
            return ExperimentStatus.INTERRUPTED, SHUTDOWN_REASON
    return ExperimentStatus.COMPLETED, None
