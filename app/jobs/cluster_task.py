"""The job functions a Dask worker runs: an experiment, or one fold of its cross-validation.

They need only this package: the rows arrive as the dataset's Parquet bytes (scattered
once per dataset by the server), a continued run's starting files as bytes, and the
model's files go back as bytes in the result. Nothing here opens the data directory
or the database; epochs travel through `cluster_channel`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from app.db.models import ExperimentStatus
from app.jobs.threads import limit_blas_threads
from app.specs import ExperimentSpec


@dataclass(frozen=True)
class ClusterJob:
    """What a task needs besides the rows: everything the server read from the database."""

    experiment_id: int
    claim_token: str
    spec: dict[str, Any]
    column_kinds: dict[str, str]
    queue: str  # cluster_channel.runs_queue_name
    control: str  # cluster_channel.control_name
    start_files: dict[str, bytes] | None = None  # a continued run's `start/` folder
    fold: int | None = None  # cross-validation: the fold to train (from 1)


def frame_from_parquet(data: bytes) -> pd.DataFrame:
    return pq.read_table(pa.BufferReader(data)).to_pandas()


def read_files(directory: Path) -> dict[str, bytes]:
    """Every file under `directory`, keyed by its relative POSIX path."""
    return {path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def write_files(directory: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        target = directory / name
        if directory.resolve() not in target.resolve().parents:
            raise ValueError(f"A model file may not leave its folder: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _channel(job: ClusterJob) -> Any:
    from app.jobs.cluster_channel import DaskChannel

    return DaskChannel(job.queue, job.control, job.experiment_id, job.claim_token)


def run_experiment_task(job: ClusterJob, data: bytes, channel: Any = None) -> dict[str, Any]:
    """Train the experiment; the result carries its status, scores, summary and model files."""
    limit_blas_threads()
    from app.jobs.artifacts import START_DIR, save_outcome
    from app.jobs.cluster_channel import ChannelProgress
    from app.jobs.continuation import load_continuation
    from app.jobs.outcome_record import final_status, outcome_summary
    from app.jobs.pipeline import run_experiment as run_pipeline

    channel = channel or _channel(job)
    channel.send("started", address=getattr(channel, "address", None))
    progress = ChannelProgress(channel, seed=job.experiment_id)
    with tempfile.TemporaryDirectory(prefix="layerlab-task-") as scratch:
        start = None
        if job.start_files is not None:
            write_files(Path(scratch) / "given" / START_DIR, job.start_files)
            start = load_continuation(Path(scratch) / "given")
        try:
            outcome = run_pipeline(
                frame_from_parquet(data), ExperimentSpec.model_validate(job.spec), column_kinds=job.column_kinds,
                on_epoch=progress.on_epoch, should_stop=progress.should_stop, start=start,
                on_network=progress.attach,
            )
        except ValueError as exc:  # the data's own problems, already phrased for people
            return {"status": ExperimentStatus.FAILED, "error": str(exc)}
        status, error = final_status(outcome, cancelled=progress.cancelled, stopping=progress.abandoned)
        model = Path(scratch) / "model"
        save_outcome(model, outcome)
        return {
            "status": status,
            "error": error,
            "task": outcome.pipeline.task,
            "metrics": outcome.metrics,
            "summary": outcome_summary(outcome),
            "best_epoch": outcome.training.kept_epoch or progress.best_epoch,
            "files": read_files(model),
        }


def run_fold_task(job: ClusterJob, data: bytes, should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Train one fold; the result is the cross-validation header and the fold's scores."""
    limit_blas_threads()
    from app.jobs.cross_validation import plan_folds, train_fold

    assert job.fold is not None, "a fold job names its fold"
    if should_stop is None:
        channel = _channel(job)
        should_stop = lambda: bool(channel.control()["cancel"]) or channel.abandoned()  # noqa: E731
    try:
        plan = plan_folds(frame_from_parquet(data), ExperimentSpec.model_validate(job.spec), job.column_kinds)
        return {"header": plan.header(), "fold": train_fold(plan, job.fold, should_stop)}
    except ValueError as exc:
        return {"error": str(exc)}
