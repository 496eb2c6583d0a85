"""A training worker: claim a queued experiment, run it, repeat, until told to stop.

Runs in its own process (never in the web server's), at a lower CPU priority than
the web server, with one BLAS thread between jobs and, during a job, as many as
the cores no other job is using.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.experiments import (
    claim_next_experiment,
    count_running_experiments,
    interrupt_expired_leases,
    renew_lease,
)
from app.db.session import make_engine, make_session_factory
from app.jobs import threads
from app.jobs.threads import limit_blas_threads

logger = logging.getLogger("layerlab.worker")

LEASE_SECONDS = 30.0
HEARTBEAT_SECONDS = 10.0
IDLE_POLL_SECONDS = 0.5
RECOVERY_EVERY_SECONDS = 5.0
WORKER_NICENESS = 10  # added to the server's niceness: the scheduler favours the server's requests


@dataclass
class WorkerContext:
    settings: Settings
    sessions: sessionmaker[Session]
    worker_id: str
    stopping: threading.Event | Event
    busy_jobs: Synchronized[int] | None = None  # the pool's count of workers in a job; None: ask the database


class LeaseHeartbeat:
    """Renews the lease in the background, so a long epoch or slow preparation keeps it."""

    def __init__(self, context: WorkerContext, experiment_id: int) -> None:
        self._context = context
        self._experiment_id = experiment_id
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)

    def __enter__(self) -> LeaseHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(HEARTBEAT_SECONDS):
            with self._context.sessions() as session:
                renew_lease(
                    session=session,
                    experiment_id=self._experiment_id,
                    worker_id=self._context.worker_id,
                    lease_seconds=LEASE_SECONDS,
                )


class JobSlot:
    """Counts this worker as busy in its pool for the length of a job, and gives
    the process back its one BLAS thread when the job ends."""

    def __init__(self, context: WorkerContext) -> None:
        self._busy = context.busy_jobs

    def __enter__(self) -> JobSlot:
        self._add(1)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._add(-1)
        threads.set_blas_threads(1)

    def _add(self, step: int) -> None:
        if self._busy is not None:
            with self._busy.get_lock():
                self._busy.value += step


def fit_blas_threads(context: WorkerContext, experiment_id: int) -> None:
    """Give the running job the cores that no other job is using now."""
    if context.busy_jobs is not None:
        elsewhere = max(0, context.busy_jobs.value - 1)
    else:
        with context.sessions() as session:
            elsewhere = count_running_experiments(session=session, other_than=experiment_id)
    wanted = threads.blas_threads_for_job(threads.available_cores(), elsewhere)
    if wanted != threads.current_blas_threads():
        threads.set_blas_threads(wanted)


def run_next(context: WorkerContext) -> int | None:
    """Claim and run one queued experiment; return its id, or None when the queue is empty."""
    from app.jobs.cross_validation import run_cross_validation  # NumPy too
    from app.jobs.runner import run_experiment  # imports NumPy: after the thread limit is set

    with context.sessions() as session:
        experiment_id = claim_next_experiment(session=session, worker_id=context.worker_id, lease_seconds=LEASE_SECONDS)
    if experiment_id is None:
        return None
    with JobSlot(context):
        fit_blas_threads(context, experiment_id)
        with LeaseHeartbeat(context, experiment_id):
            run_experiment(context, experiment_id)
        try:
            run_cross_validation(context, experiment_id)
        except Exception:  # the main run's results stand; the folds are an extra
            logger.exception("Cross-validation of experiment %s failed", experiment_id)
    return experiment_id


def lower_priority() -> None:
    """Yield the CPU to the web server: pages stay quick while every core trains."""
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # no nice on this platform, or not permitted
        logger.warning("Could not lower the worker's CPU priority")


def worker_main(settings_json: str, worker_id: str, stopping: Event,
                busy_jobs: Synchronized[int] | None = None) -> None:
    """Entry point of a worker process."""
    lower_priority()
    limit_blas_threads()
    settings = Settings.model_validate_json(settings_json)
    engine = make_engine(settings.resolved_database_url)
    context = WorkerContext(settings, make_session_factory(engine), worker_id, stopping, busy_jobs)
    last_recovery = 0.0
    try:
        while not stopping.is_set():
            if time.monotonic() - last_recovery > RECOVERY_EVERY_SECONDS:
                with context.sessions() as session:
                    interrupt_expired_leases(session=session)
                last_recovery = time.monotonic()
            try:
                ran = run_next(context)
            except Exception:  # a bug in one job must not take the worker down
                logger.exception("Worker %s failed outside a job", worker_id)
                ran = None
            if ran is None:
                stopping.wait(IDLE_POLL_SECONDS)
    finally:
        engine.dispose()
