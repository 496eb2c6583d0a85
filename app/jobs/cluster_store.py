"""The server writes what its cluster runs send and return, as a local worker would write it.

Every write carries the run's claim token: a message or result of a run that was
deleted, restarted or given up is dropped.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.db.cluster_runs import set_worker_address
from app.db.cross_validation import store_cross_validation
from app.db.experiments import (
    EpochRow,
    experiment_dir,
    finish_experiment,
    get_experiment,
    record_epoch,
    record_inspection,
    set_task,
)
from app.db.leases import ClaimLost, holds_claim
from app.db.models import CrossValidationStatus
from app.db.pausing import mark_paused
from app.jobs.artifacts import START_DIR
from app.jobs.cluster_task import write_files
from app.jobs.cross_validation import summarise_folds

logger = logging.getLogger("layerlab.cluster")

LEASE_SECONDS = 30.0  # renewed every second by the server while the cluster runs it
UNEXPECTED_REASON = "Training failed unexpectedly ({kind}). The details are in the server's log."


def apply_message(*, session: Session, message: dict[str, Any], worker_id: str) -> None:
    """One message of a run (cluster_channel): its worker, an epoch, a pause."""
    experiment_id, token = message["experiment_id"], message["claim_token"]
    kind = message["kind"]
    try:
        if kind == "started" and message.get("address"):
            set_worker_address(session=session, experiment_id=experiment_id, claim_token=token,
                               address=message["address"])
        elif kind == "epoch":
            record_epoch(session=session, experiment_id=experiment_id, claim_token=token,
                         row=EpochRow(**message["row"]), lease_seconds=LEASE_SECONDS,
                         best_epoch=message["best_epoch"])
        elif kind == "inspection" and holds_claim(session=session, experiment_id=experiment_id, claim_token=token):
            record_inspection(session=session, experiment_id=experiment_id, epoch=message["epoch"],
                              inspection=message["inspection"])
        elif kind in ("paused", "resumed"):
            mark_paused(session=session, experiment_id=experiment_id, worker_id=worker_id,
                        paused=kind == "paused")
    except ClaimLost:
        session.rollback()


def store_model_files(directory: Path, files: dict[str, bytes]) -> None:
    """Write into a temporary sibling, then swap it in (artifacts.save_outcome's rule),
    keeping a continued experiment's starting files."""
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    write_files(staging, files)
    if (directory / START_DIR).is_dir():
        shutil.copytree(directory / START_DIR, staging / START_DIR)
    shutil.rmtree(directory, ignore_errors=True)
    staging.rename(directory)


def store_result(*, session: Session, experiments_dir: Path, experiment_id: int, claim_token: str,
                 result: dict[str, Any]) -> bool:
    """A finished task's result: its files, then the row. False when the claim is gone."""
    if not holds_claim(session=session, experiment_id=experiment_id, claim_token=claim_token):
        return False
    if "files" in result:
        store_model_files(experiment_dir(experiments_dir, experiment_id), result["files"])
        set_task(session=session, experiment_id=experiment_id, task=result["task"])
    finished = finish_experiment(
        session=session, experiment_id=experiment_id, claim_token=claim_token, status=result["status"],
        error=result.get("error"), metrics=result.get("metrics"), summary=result.get("summary"),
        best_epoch=result.get("best_epoch"),
    )
    if not finished and get_experiment(session=session, experiment_id=experiment_id) is None:
        shutil.rmtree(experiment_dir(experiments_dir, experiment_id), ignore_errors=True)
    return finished


def end_run(*, session: Session, experiment_id: int, claim_token: str, status: str, reason: str) -> bool:
    return finish_experiment(session=session, experiment_id=experiment_id, claim_token=claim_token,
                             status=status, error=reason)


def failed_reason(error: BaseException) -> str:
    return UNEXPECTED_REASON.format(kind=type(error).__name__)


class FoldResults:
    """A cross-validation assembled fold by fold as the cluster returns them."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.result: dict[str, Any] = {"k": k, "status": CrossValidationStatus.RUNNING, "folds": []}
        self.pending = k

    def add(self, answer: dict[str, Any] | None, cancelled: bool) -> dict[str, Any]:
        self.pending -= 1
        if answer is None or "error" in answer:
            error = (answer or {}).get("error") or "A fold could not be trained on the cluster."
            self.result.update(status=CrossValidationStatus.FAILED, error=error)
        elif self.result["status"] == CrossValidationStatus.RUNNING:
            self.result.update({key: value for key, value in answer["header"].items() if key != "folds"})
            fold = answer["fold"]
            if fold["stop_reason"] == "cancelled" or cancelled:
                self.result["status"] = CrossValidationStatus.CANCELLED
            else:
                self.result["folds"] = sorted([*self.result["folds"], fold], key=lambda item: item["fold"])
        self.result["mean"], self.result["std"] = summarise_folds(self.result["folds"])
        if self.pending == 0 and self.result["status"] == CrossValidationStatus.RUNNING:
            self.result["status"] = CrossValidationStatus.COMPLETED
        return self.result


def store_folds(*, session: Session, experiment_id: int, claim_token: str, result: dict[str, Any] | None) -> bool:
    try:
        store_cross_validation(session=session, experiment_id=experiment_id, result=result, claim_token=claim_token)
    except ClaimLost:
        return False
    return True


