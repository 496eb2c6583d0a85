"""Executors run the worker loop somewhere. Today: local processes, one per core,
sharing a count of busy workers so that each job sizes its BLAS threads to the idle cores.

The interface is small on purpose, so that a distributed executor (Dask or Ray)
can run the same `worker_main` on a cluster later.
"""

from __future__ import annotations

import multiprocessing
import uuid
from multiprocessing.process import BaseProcess
from typing import Protocol

from app.config import Settings
from app.jobs.threads import single_thread_environment
from app.jobs.worker import worker_main

STOP_TIMEOUT_SECONDS = 10.0


class Executor(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class LocalProcessPool:
    """`size` worker processes started with `spawn`, so none inherits the server's threads."""

    def __init__(self, settings: Settings, size: int) -> None:
        self._settings = settings
        self._size = size
        self._context = multiprocessing.get_context("spawn")
        self._stopping = self._context.Event()
        self.busy_jobs = self._context.Value("i", 0)  # workers in a job: each sizes its BLAS threads by it
        self._processes: list[BaseProcess] = []
        self.pool_id = uuid.uuid4().hex[:8]

    def start(self) -> None:
        import os

        # Spawned children read these before importing NumPy.
        saved = {name: os.environ.get(name) for name in single_thread_environment()}
        os.environ.update(single_thread_environment())
        try:
            for index in range(self._size):
                process = self._context.Process(
                    target=worker_main,
                    args=(self._settings.model_dump_json(), f"{self.pool_id}-{index}", self._stopping,
                          self.busy_jobs),
                    name=f"layerlab-worker-{index}",
                    daemon=True,
                )
                process.start()
                self._processes.append(process)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def stop(self) -> None:
        """Ask every worker to stop; a running job ends as `interrupted`, never `running`."""
        self._stopping.set()
        for process in self._processes:
            process.join(STOP_TIMEOUT_SECONDS)
        for process in self._processes:
            if process.is_alive():
                process.terminate()
                process.join(2)
        self._processes.clear()


class NoExecutor:
    """`LAYERLAB_WORKERS=0`: experiments wait in the queue for workers elsewhere."""

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


def make_executor(settings: Settings) -> Executor:
    return LocalProcessPool(settings, settings.workers) if settings.workers > 0 else NoExecutor()
