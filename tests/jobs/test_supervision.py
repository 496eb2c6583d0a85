"""Supervision: dead workers are replaced and their runs end; dead pools are known at once."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.experiments import get_experiment
from app.db.leases import WORKER_DIED_REASON, claim_next_experiment
from app.db.session import make_engine, make_session_factory
from app.jobs.instances import InstanceLock, instances_dir, local_instance_alive
from app.jobs.supervisor import sweep_dead_runs
from app.main import create_app
from tests.jobs.test_worker import new_dataset, new_experiment

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL: workers in other processes too

DEADLINE_SECONDS = 300.0  # a worker takes ~50 s to start on a loaded 2-core machine


@pytest.fixture
def sessions(client: TestClient, settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.resolved_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def claim(sessions: sessionmaker[Session], instance_id: str | None, lease_seconds: float) -> int:
    with sessions() as session:
        claimed = claim_next_experiment(
            session=session, worker_id=f"{instance_id}-0.0", lease_seconds=lease_seconds, instance_id=instance_id
        )
    assert claimed is not None
    return claimed


def status_of(sessions: sessionmaker[Session], experiment_id: int) -> str:
    with sessions() as session:
        experiment = get_experiment(session=session, experiment_id=experiment_id)
        assert experiment is not None
        return experiment.status


def test_an_instance_lock_tells_a_live_pool_from_a_dead_one(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path, "ab" * 16)
    lock.acquire()
    assert local_instance_alive(tmp_path, "ab" * 16) is True
    lock.release()
    assert local_instance_alive(tmp_path, "ab" * 16) is None  # a clean stop leaves no file
    (tmp_path / f"{'cd' * 16}.lock").touch()  # a server killed with its lock file in place
    assert local_instance_alive(tmp_path, "cd" * 16) is False
    assert not (tmp_path / f"{'cd' * 16}.lock").exists()
    assert local_instance_alive(tmp_path, "../../etc") is None


def test_runs_of_a_dead_local_pool_end_at_once_and_leases_hold_for_the_rest(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    dataset_id = new_dataset(client)
    for _ in range(4):
        new_experiment(client, dataset_id)
    instances = instances_dir(settings.data_dir)
    dead, live, remote = "d" * 32, "e" * 32, "f" * 32
    instances.mkdir(parents=True, exist_ok=True)
    (instances / f"{dead}.lock").touch()
    lock = InstanceLock(instances, live)
    lock.acquire()
    try:
        of_dead = claim(sessions, dead, lease_seconds=30)
        of_live = claim(sessions, live, lease_seconds=-1)  # its lease ran out, but its pool still runs
        remote_fresh = claim(sessions, remote, lease_seconds=30)
        remote_expired = claim(sessions, remote, lease_seconds=-1)
        with sessions() as session:  # the app's own supervisor may have swept first: same outcome
            sweep_dead_runs(session=session, instances=instances)
        assert [status_of(sessions, i) for i in (of_dead, of_live, remote_fresh, remote_expired)] == [
            "interrupted", "running", "running", "interrupted"
        ]
    finally:
        lock.release()


def test_a_restarted_server_ends_its_predecessors_runs_without_waiting_for_the_lease(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    experiment_id = new_experiment(client, new_dataset(client))
    instances = instances_dir(settings.data_dir)
    instances.mkdir(parents=True, exist_ok=True)
    (instances / f"{'a' * 32}.lock").touch()  # the previous server was killed: its file stays, unlocked
    claim(sessions, "a" * 32, lease_seconds=3600)
    with TestClient(create_app(settings)) as restarted:
        body = restarted.get(f"/api/experiments/{experiment_id}").json()
    assert body["status"] == "interrupted"


def wait_for_body(client: TestClient, experiment_id: int, condition, what: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        body = client.get(f"/api/experiments/{experiment_id}").json()
        if condition(body):
            return body  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {body['status']}"
        time.sleep(0.1)


def test_a_killed_worker_is_replaced_and_its_run_interrupted_with_the_reason(settings_factory) -> None:  # type: ignore[no-untyped-def]
    settings = settings_factory(workers=1)
    with TestClient(create_app(settings)) as client:
        dataset_id = new_dataset(client)
        long_run = new_experiment(client, dataset_id, epochs=10_000, early_stopping_patience=None)
        wait_for_body(client, long_run, lambda b: b["epochs_done"] >= 1, "training")
        [pid] = client.app.state.executor.worker_pids()  # type: ignore[attr-defined]
        os.kill(pid, signal.SIGKILL)
        body = wait_for_body(client, long_run, lambda b: b["status"] != "running", "the run to end")
        assert body["status"] == "interrupted"
        assert body["error"] == WORKER_DIED_REASON
        page = client.get(f"/experiments/{long_run}").text
        assert "stopped unexpectedly" in page and "Restart" in page
        next_run = new_experiment(client, dataset_id)  # the replacement worker takes the queue on
        body = wait_for_body(client, next_run, lambda b: b["status"] not in ("queued", "running"), "the next run")
        assert body["status"] == "completed"
        assert client.app.state.executor.worker_pids() != [pid]  # type: ignore[attr-defined]
