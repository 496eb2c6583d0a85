"""A training worker: claim a queued experiment, run it, repeat, until told to stop.

Runs in its own process (never in the web server's), at a lower CPU priority than
the web server, with one BLAS thread between jobs and, during a job, as many as
the cores no other job is using.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from multiprocessing.connection import Connection

from app.config import Settings
from app.db.leases import ClaimLost, claim_next_experiment, new_claim_token, renew_lease
from app.db.session import make_engine, make_session_factory
from app.jobs import threads
from app.jobs.context import HEARTBEAT_SECONDS, LEASE_SECONDS, WorkerContext, fit_blas_threads
from app.jobs.parent_death import die_with_parent, watch_parent
from app.jobs.threads import limit_blas_threads

__all__ = ["LEASE_SECONDS", "WorkerContext", "fit_blas_threads", "run_next", "worker_main"]

logger = logging.getLogger("layerlab.worker")

IDLE_POLL_SECONDS = 0.5
WORKER_NICENESS = 10  # added to the server's niceness: the scheduler favours the server's requests


class LeaseHeartbeat:
    """Renews the lease in the background, so a long epoch or slow preparation keeps it."""

    def __init__(self, context: WorkerContext, experiment_id: int, claim_token: str) -> None:
        self._context = context
        self._experiment_id = experiment_id
        self._claim_token = claim_token
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
                    claim_token=self._claim_token,
                    lease_seconds=LEASE_SECONDS,
                )


def run_next(context: WorkerContext) -> int | None:
    """Claim and run one queued experiment; return its id, or None when the queue is empty."""
    from app.jobs.cross_validation import run_cross_validation  # NumPy too
    from app.jobs.runner import run_experiment  # imports NumPy: after the thread limit is set

    claim_token = new_claim_token()
    with context.sessions() as session:
        experiment_id = claim_next_experiment(
            session=session,
            worker_id=context.worker_id,
            lease_seconds=LEASE_SECONDS,
            claim_token=claim_token,
            instance_id=context.instance_id,
            max_running_per_owner=context.settings.running_limit_per_owner,
        )
    if experiment_id is None:
        return None
    try:
        fit_blas_threads(context, experiment_id)
        with LeaseHeartbeat(context, experiment_id, claim_token):
            run_experiment(context, experiment_id, claim_token)
        try:
            run_cross_validation(context, experiment_id, claim_token=claim_token)
        except ClaimLost:
            logger.info("Experiment %s was deleted or restarted during cross-validation", experiment_id)
        except Exception:  # the main run's results stand; the folds are an extra
            logger.exception("Cross-validation of experiment %s failed", experiment_id)
    finally:
        threads.set_blas_threads(1)  # idle again: the cores are the other jobs'
    return experiment_id


def lower_priority() -> None:
    """Yield the CPU to the web server: pages stay quick while every core trains."""
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # no nice on this platform, or not permitted
        logger.warning("Could not lower the worker's CPU priority")


def leave_the_server_group() -> None:
    """Ctrl-C in a terminal, or `timeout`, signals the server's whole process group; a worker
    killed by it looks like a crash to the supervisor before the server stops its pool. In a
    group of its own the worker hears only its server (the stop pipe; SIGKILL if it dies)."""
    with contextlib.suppress(AttributeError, OSError):  # no process groups on this platform
        os.setpgid(0, 0)


def worker_main(settings_json: str, worker_id: str, stop_pipe: Connection, instance_id: str, parent_pid: int) -> None:
    """Entry point of a worker process: it stops when the server asks through `stop_pipe`, or is gone."""
    leave_the_server_group()
    die_with_parent()
    stop = watch_parent(parent_pid, stop_pipe)
    lower_priority()
    limit_blas_threads()
    settings = Settings.model_validate_json(settings_json)
    engine = make_engine(settings.resolved_database_url)
    context = WorkerContext(settings, make_session_factory(engine), worker_id, stop, instance_id)
    try:
        while not stop.is_set():
            try:
                ran = run_next(context)
            except Exception:  # a bug in one job must not take the worker down
                logger.exception("Worker %s failed outside a job", worker_id)
                ran = None
            if ran is None:
                stop.wait(IDLE_POLL_SECONDS)
    finally:
        engine.dispose()
