"""The server's supervisor: a thread that keeps every `running` experiment backed by a live worker.

Every second it replaces local workers that died (their run is interrupted with a
reason), ends the runs of pools whose server is gone (their instance lock is free),
and ends the runs of remote workers whose lease ran out. A server with no workers of
its own runs it too, so nothing shows `running` for long after its worker died.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.db.leases import interrupt_expired_leases, interrupt_instance_runs, interrupt_worker_runs, running_instances
from app.jobs.instances import local_instance_alive
from app.jobs.pool import Executor, LocalProcessPool

logger = logging.getLogger("layerlab.supervisor")

SUPERVISE_EVERY_SECONDS = 1.0


def sweep_dead_runs(*, session: Session, instances: Path) -> int:
    """Interrupt runs of dead local pools at once and of silent remote workers by their lease."""
    live: set[str] = set()
    ended = 0
    for instance_id in running_instances(session=session):
        alive = local_instance_alive(instances, instance_id)
        if alive is False:
            ended += interrupt_instance_runs(session=session, instance_id=instance_id)
        elif alive:
            live.add(instance_id)
    return ended + interrupt_expired_leases(session=session, live_instances=live)


class Supervisor:
    def __init__(self, sessions: sessionmaker[Session], instances: Path, executor: Executor) -> None:
        self._sessions = sessions
        self._instances = instances
        self._pool = executor if isinstance(executor, LocalProcessPool) else None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="layerlab-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Call after the pool stopped: workers it started die with this thread on Linux."""
        self._done.set()
        self._thread.join()

    def check(self) -> None:
        if self._pool is not None:
            dead = self._pool.reap_dead()
            with self._sessions() as session:
                for worker_id in dead:
                    logger.warning("Worker %s stopped unexpectedly; starting another", worker_id)
                    interrupt_worker_runs(session=session, worker_id=worker_id)
            self._pool.fill()
        with self._sessions() as session:
            sweep_dead_runs(session=session, instances=self._instances)

    def _run(self) -> None:
        while not self._done.wait(SUPERVISE_EVERY_SECONDS):
            try:
                self.check()
            except Exception:  # a database hiccup must not end supervision
                logger.exception("Supervision failed; trying again")
