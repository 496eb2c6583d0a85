"""What a worker hands to the code that runs a job: settings, sessions, its identity, the lease.

Its own module so the worker loop, the runner and cross-validation share it without
importing one another (the worker calls them; they never call the worker).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from multiprocessing.synchronize import Event

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.leases import count_running_experiments
from app.jobs import threads

# Short and renewed often: a server with no local workers ends a remote worker's run
# a few seconds after its last renewal, so nothing shows `running` long after it died.
LEASE_SECONDS = 8.0
HEARTBEAT_SECONDS = 2.0


@dataclass
class WorkerContext:
    settings: Settings
    sessions: sessionmaker[Session]
    worker_id: str
    stopping: threading.Event | Event
    instance_id: str | None = None  # the pool this worker belongs to


def fit_blas_threads(context: WorkerContext, experiment_id: int) -> None:
    """Give the running job the cores that no other job is using now. The database says
    how many others run: it stays right when a worker is killed mid-job."""
    with context.sessions() as session:
        elsewhere = count_running_experiments(session=session, other_than=experiment_id)
    wanted = threads.blas_threads_for_job(threads.available_cores(), elsewhere)
    if wanted != threads.current_blas_threads():
        threads.set_blas_threads(wanted)
