"""Executors run the worker loop somewhere. Today: local processes, one per core.

The interface is small on purpose, so that a distributed executor (Dask or Ray)
can run the same `worker_main` on a cluster later.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Protocol

from app.config import Settings
from app.jobs.instances import InstanceLock, instances_dir
from app.jobs.threads import single_thread_environment
from app.jobs.worker import worker_main

STOP_TIMEOUT_SECONDS = 10.0


class Executor(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class _Worker:
    worker_id: str
    process: BaseProcess
    stop_writer: Connection


class LocalProcessPool:
    """`size` worker processes started with `spawn`, so none inherits the server's threads.

    The pool holds an instance lock for as long as it runs (see `instances`), and
    `reap_dead` / `fill` let the server's supervisor replace a worker that died.
    """

    def __init__(self, settings: Settings, size: int) -> None:
        self._settings = settings
        self._size = size
        self._context = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()
        self._slots: list[_Worker | None] = [None] * size
        self._started = 0
        self._lock = threading.Lock()
        self.pool_id = uuid.uuid4().hex
        self._instance = InstanceLock(instances_dir(settings.data_dir), self.pool_id)

    def start(self) -> None:
        self._instance.acquire()
        self.fill()

    def fill(self) -> None:
        """Start a worker in every empty slot (all of them at start, a dead one's later)."""
        with self._lock:
            empty = [slot for slot, held in enumerate(self._slots) if held is None]
            if self._stopping.is_set() or not empty:
                return
            # Spawned children read these before importing NumPy.
            saved = {name: os.environ.get(name) for name in single_thread_environment()}
            os.environ.update(single_thread_environment())
            try:
                for slot in empty:
                    self._slots[slot] = self._spawn(slot)
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value

    def _spawn(self, slot: int) -> _Worker:
        worker_id = f"{self.pool_id}-{slot}.{self._started}"
        self._started += 1
        stop_reader, stop_writer = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=worker_main,
            args=(self._settings.model_dump_json(), worker_id, stop_reader, self.pool_id, os.getpid()),
            name=f"layerlab-worker-{slot}",
            daemon=True,
        )
        process.start()
        stop_reader.close()
        return _Worker(worker_id, process, stop_writer)

    def reap_dead(self) -> list[str]:
        """The ids of workers that died (killed, out of memory); their slots are empty again."""
        with self._lock:
            if self._stopping.is_set():
                return []
            dead = []
            for slot, held in enumerate(self._slots):
                if held is not None and not held.process.is_alive():
                    dead.append(held.worker_id)
                    held.stop_writer.close()
                    self._slots[slot] = None
            return dead

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [held.process.pid for held in self._slots if held is not None and held.process.pid is not None]

    def stop(self) -> None:
        """Ask every worker to stop; a running job ends as `interrupted`, never `running`."""
        with self._lock:
            self._stopping.set()
            workers = [held for held in self._slots if held is not None]
            self._slots = [None] * self._size
        for worker in workers:
            worker.stop_writer.close()  # the worker's watcher sees end-of-file
        processes = [worker.process for worker in workers]
        for process in processes:
            process.join(STOP_TIMEOUT_SECONDS)
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(2)
        self._instance.release()  # any run still marked ours is now seen as dead


class NoExecutor:
    """`LAYERLAB_WORKERS=0`: experiments wait in the queue for workers elsewhere."""

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


def make_executor(settings: Settings) -> Executor:
    if settings.executor == "dask":  # no local training process: the cluster trains
        from app.jobs.dask_executor import DaskExecutor

        return DaskExecutor(settings)
    return LocalProcessPool(settings, settings.workers) if settings.workers > 0 else NoExecutor()
