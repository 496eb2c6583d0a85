"""Run one claimed experiment: load its rows, train, evaluate, store, finish.

Every way it can end is recorded: completed, cancelled, interrupted (the server is
stopping), or failed with a sentence a person understands.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from app.data.numbers import finite
from app.db.datasets import dataset_path
from app.db.experiments import (
    EpochRow,
    experiment_dir,
    finish_experiment,
    get_experiment,
    is_cancel_requested,
    record_epoch,
    record_inspection,
    set_task,
)
from app.db.leases import ClaimLost, holds_claim
from app.db.models import Dataset, ExperimentStatus, PauseControl
from app.db.pausing import mark_paused, pause_control
from app.engine import EpochReport, Network
from app.jobs.artifacts import save_outcome
from app.jobs.context import LEASE_SECONDS, WorkerContext, fit_blas_threads
from app.jobs.continuation import load_continuation
from app.jobs.experiment_data import experiment_read_options, load_rows
from app.jobs.inspection_recorder import InspectionRecorder, probe_sample
from app.jobs.outcome_record import final_status, outcome_summary
from app.jobs.pipeline import run_experiment as run_pipeline
from app.specs import ExperimentSpec

logger = logging.getLogger("layerlab.runner")

CANCEL_CHECK_SECONDS = 0.5
PAUSE_POLL_SECONDS = 0.2
UNEXPECTED_REASON = "Training failed unexpectedly ({kind}). The details are in the server's log."


@dataclass
class _Progress:
    """Epoch reports go to the database; cancel is polled at most every half second."""

    context: WorkerContext
    experiment_id: int
    claim_token: str
    best_epoch: int | None = None
    cancelled: bool = False
    last_check: float = field(default_factory=time.monotonic)
    recorder: InspectionRecorder | None = None
    keeps_last: bool = False  # no early stopping: the run keeps its latest weights, not its best


    def attach(self, net: Network, rows: Any, input_names: list[str]) -> None:
        self.recorder = InspectionRecorder(net, probe_sample(rows, seed=self.experiment_id), input_names)

    def on_epoch(self, report: EpochReport) -> None:
        if report.improved or self.keeps_last:  # the engine's verdict: the loss or the chosen metric
            self.best_epoch = report.epoch
        row = EpochRow(
            epoch=report.epoch,
            train_loss=finite(report.train_loss),
            val_loss=finite(report.val_loss),
            train_metric=finite(report.train_metric),
            val_metric=finite(report.val_metric),
            seconds=report.seconds,
            inspection=self.recorder.after_epoch(report) if self.recorder else None,
        )
        with self.context.sessions() as session:
            self.cancelled = record_epoch(
                session=session,
                experiment_id=self.experiment_id,
                claim_token=self.claim_token,
                row=row,
                lease_seconds=LEASE_SECONDS,
                best_epoch=self.best_epoch,
            )
        self.last_check = time.monotonic()
        if not self.cancelled:
            self._hold_while_paused(row)

    def _hold_while_paused(self, row: EpochRow) -> None:
        """Between epochs: wait while the person has paused; a step lets one epoch through.
        The lease heartbeat keeps running, so a paused run keeps its worker."""
        with self.context.sessions() as session:
            control, cancelled = pause_control(session=session, experiment_id=self.experiment_id)
        if control != PauseControl.PAUSE or cancelled:
            self.cancelled = self.cancelled or cancelled
            return
        with self.context.sessions() as session:
            if row.inspection is None and self.recorder is not None:  # show the epoch it stopped at
                record_inspection(session=session, experiment_id=self.experiment_id, epoch=row.epoch,
                                  inspection=self.recorder.snapshot(row.epoch))
            mark_paused(session=session, experiment_id=self.experiment_id,
                        worker_id=self.context.worker_id, paused=True)
        while not self.context.stopping.wait(PAUSE_POLL_SECONDS):
            with self.context.sessions() as session:
                control, cancelled = pause_control(session=session, experiment_id=self.experiment_id)
                if cancelled:
                    self.cancelled = True
                if cancelled or control != PauseControl.PAUSE:
                    mark_paused(session=session, experiment_id=self.experiment_id,
                                worker_id=self.context.worker_id, paused=False)
                    return

    def should_stop(self) -> bool:
        if self.cancelled or self.context.stopping.is_set():
            return True
        if time.monotonic() - self.last_check >= CANCEL_CHECK_SECONDS:
            with self.context.sessions() as session:
                self.cancelled = is_cancel_requested(
                    session=session, experiment_id=self.experiment_id, claim_token=self.claim_token
                )
            fit_blas_threads(self.context, self.experiment_id)  # another job may have started or ended
            self.last_check = time.monotonic()
        return self.cancelled


def _column_kinds(dataset: Dataset) -> dict[str, str]:
    return {column["name"]: column["kind"] for column in dataset.profile.get("columns", [])}


def run_experiment(context: WorkerContext, experiment_id: int, claim_token: str) -> None:
    """Run the claimed experiment; every write carries the claim, so a revoked run stops writing."""
    progress = _Progress(context, experiment_id, claim_token)
    directory = experiment_dir(context.settings.experiments_dir, experiment_id)

    def finish(status: str, error: str | None = None, **results: Any) -> None:
        with context.sessions() as session:
            finished = finish_experiment(
                session=session,
                experiment_id=experiment_id,
                claim_token=claim_token,
                status=status,
                error=error,
                **results,
            )
            if not finished and get_experiment(session=session, experiment_id=experiment_id) is None:
                shutil.rmtree(directory, ignore_errors=True)  # deleted while saving: leave no files

    try:
        with context.sessions() as session:
            experiment = get_experiment(session=session, experiment_id=experiment_id)
            assert experiment is not None, "a claimed experiment exists"
            dataset = experiment.dataset
            spec = ExperimentSpec.model_validate(experiment.spec)
            path = dataset_path(datasets_dir=context.settings.datasets_dir, dataset=dataset)
            options = experiment_read_options(experiment)
            kinds = _column_kinds(dataset)
            continued = experiment.parent_epoch is not None
        progress.keeps_last = spec.training.early_stopping_patience is None
        directory = experiment_dir(context.settings.experiments_dir, experiment_id)
        start = load_continuation(directory) if continued else None
        frame = load_rows(path, options)
        outcome = run_pipeline(
            frame, spec, column_kinds=kinds, on_epoch=progress.on_epoch, should_stop=progress.should_stop,
            start=start,
            on_network=progress.attach,
        )
        with context.sessions() as session:
            if not holds_claim(session=session, experiment_id=experiment_id, claim_token=claim_token):
                raise ClaimLost(f"Experiment {experiment_id} is no longer this worker's to run.")
            set_task(session=session, experiment_id=experiment_id, task=outcome.pipeline.task)
        save_outcome(directory, outcome)
        status, error = final_status(outcome, cancelled=progress.cancelled, stopping=context.stopping.is_set())
        finish(
            status,
            error,
            metrics=outcome.metrics,
            summary=outcome_summary(outcome),
            best_epoch=outcome.training.kept_epoch or progress.best_epoch,  # the weights kept and measured
        )
    except ClaimLost:
        logger.info("Experiment %s was deleted, restarted or given up; its run stops here", experiment_id)
    except ValueError as exc:  # the data's own problems, already phrased for people
        finish(ExperimentStatus.FAILED, str(exc))
    except Exception as exc:
        logger.exception("Experiment %s failed", experiment_id)
        finish(ExperimentStatus.FAILED, UNEXPECTED_REASON.format(kind=type(exc).__name__))
