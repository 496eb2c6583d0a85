"""BLAS threads per job: the cores no other job is using when it starts, at least one."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.leases import claim_next_experiment
from app.jobs import runner, threads, worker
from app.jobs.threads import blas_threads_for_job, current_blas_threads
from app.jobs.worker import WORKER_NICENESS, WorkerContext, fit_blas_threads, run_next
from tests.jobs.test_worker import new_dataset, new_experiment, sessions  # noqa: F401 (a fixture)

CORES = 4
MAX_NICENESS = 19  # Linux: the lowest priority a process can have


@pytest.mark.parametrize(
    ("cores", "busy", "expected"),
    [(2, 0, 2), (2, 1, 1), (2, 2, 1), (2, 7, 1), (8, 3, 5), (1, 0, 1), (16, 0, 16)],
)
def test_a_job_gets_the_cores_no_other_job_uses_and_at_least_one(cores: int, busy: int, expected: int) -> None:
    assert blas_threads_for_job(cores, busy) == expected


@pytest.fixture
def threads_during_job(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The BLAS thread count each job ran with, on a machine of CORES cores."""
    seen: list[int] = []
    monkeypatch.setattr(threads, "available_cores", lambda: CORES)
    monkeypatch.setattr(runner, "run_experiment",
                        lambda context, experiment_id, claim_token: seen.append(current_blas_threads()))
    return seen


def test_a_lone_job_uses_every_core_and_a_worker_returns_to_one_thread_after(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session], threads_during_job: list[int]  # noqa: F811
) -> None:
    new_experiment(client, new_dataset(client))
    run_next(WorkerContext(settings, sessions, "w-1", threading.Event()))
    assert threads_during_job == [CORES]
    assert current_blas_threads() == 1


def test_running_experiments_in_the_database_take_their_cores(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session], threads_during_job: list[int]  # noqa: F811
) -> None:
    dataset_id = new_dataset(client)
    new_experiment(client, dataset_id)
    new_experiment(client, dataset_id)
    new_experiment(client, dataset_id)
    with sessions() as session:  # two others are training elsewhere
        claim_next_experiment(session=session, worker_id="other-1", lease_seconds=30)
        claim_next_experiment(session=session, worker_id="other-2", lease_seconds=30)
    run_next(WorkerContext(settings, sessions, "w-1", threading.Event()))
    assert threads_during_job == [CORES - 2]


def test_a_job_that_started_alone_steps_down_when_others_start(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(threads, "available_cores", lambda: CORES)
    dataset_id = new_dataset(client)
    for _ in range(3):
        new_experiment(client, dataset_id)
    context = WorkerContext(settings, sessions, "w-1", threading.Event())
    with sessions() as session:
        mine = claim_next_experiment(session=session, worker_id="w-1", lease_seconds=30, claim_token="t-1")
    assert mine is not None
    fit_blas_threads(context, mine)
    assert current_blas_threads() == CORES
    progress = runner._Progress(context, experiment_id=mine, claim_token="t-1", last_check=0.0)
    with sessions() as session:  # two more workers claim jobs
        claim_next_experiment(session=session, worker_id="other-1", lease_seconds=30)
        claim_next_experiment(session=session, worker_id="other-2", lease_seconds=30)
    assert not progress.should_stop()  # its periodic check also re-sizes the threads
    assert current_blas_threads() == CORES - 2
    threads.set_blas_threads(1)


def test_a_worker_process_lowers_its_priority_before_any_work(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's entry point, in a forked child: its niceness when it sets up BLAS."""
    context = multiprocessing.get_context("fork")
    priorities = context.Queue()
    monkeypatch.setattr(worker, "limit_blas_threads", lambda: priorities.put(os.getpriority(os.PRIO_PROCESS, 0)))
    stop_reader, stop_writer = context.Pipe(duplex=False)
    stop_writer.send(None)  # the worker returns as soon as it is set up
    process = context.Process(target=worker.worker_main,
                              args=(settings.model_dump_json(), "w-nice", stop_reader, "pool", os.getpid()))
    process.start()
    try:
        # Niceness stops at 19: under `nice make test` the worker is as low as it can go.
        expected = min(os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS, MAX_NICENESS)
        assert priorities.get(timeout=120) == expected
    finally:
        process.join(120)
    assert process.exitcode == 0
