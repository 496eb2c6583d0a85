"""Identity: a run writes only under the claim it took; deletes and restarts revoke that claim."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.experiments import EpochRow, get_experiment, record_epoch
from app.db.leases import ClaimLost, claim_next_experiment, interrupt_worker_runs
from app.db.models import EpochMetric
from app.db.session import make_engine, make_session_factory
from app.jobs.worker import WorkerContext, run_next
from tests.jobs.test_worker import new_dataset, new_experiment

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL

DEADLINE_SECONDS = 300.0  # a worker takes ~50 s to start on a loaded 2-core machine


@pytest.fixture
def sessions(client: TestClient, settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.resolved_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def epoch_rows(sessions: sessionmaker[Session], experiment_id: int) -> int:
    with sessions() as session:
        count = session.scalar(select(func.count()).where(EpochMetric.experiment_id == experiment_id))
    return int(count or 0)


def wait_for(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class TrainingThread:
    """One worker's run_next in a thread, like a worker process would run it."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], worker_id: str = "w-old") -> None:
        self.context = WorkerContext(settings, sessions, worker_id, threading.Event())
        self.thread = threading.Thread(target=run_next, args=(self.context,))

    def __enter__(self) -> TrainingThread:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.context.stopping.set()
        self.thread.join(DEADLINE_SECONDS)

    def trained_two_epochs(self, client: TestClient, experiment_id: int) -> None:
        wait_for(lambda: client.get(f"/api/experiments/{experiment_id}").json()["epochs_done"] >= 2, "training")

    def assert_stops(self, failure: str) -> None:
        """The run ends by itself (it lost its claim), without the worker being asked to stop."""
        self.thread.join(DEADLINE_SECONDS)
        assert not self.thread.is_alive(), failure


def long_experiment(client: TestClient, dataset_id: int) -> int:
    return new_experiment(client, dataset_id, epochs=10_000, early_stopping_patience=None)


def test_an_epoch_with_a_stale_claim_token_is_refused(client: TestClient, sessions: sessionmaker[Session]) -> None:
    experiment_id = new_experiment(client, new_dataset(client))
    row = EpochRow(epoch=1, train_loss=1.0, val_loss=1.0, train_metric=0.5, val_metric=0.5, seconds=0.1)
    with sessions() as session:
        claim_next_experiment(session=session, worker_id="w", lease_seconds=30, claim_token="a" * 32)
        with pytest.raises(ClaimLost):
            record_epoch(
                session=session, experiment_id=experiment_id, claim_token="b" * 32,
                row=row, lease_seconds=30, best_epoch=1,
            )
        record_epoch(
            session=session, experiment_id=experiment_id, claim_token="a" * 32, row=row, lease_seconds=30, best_epoch=1
        )
    assert epoch_rows(sessions, experiment_id) == 1


def test_a_restarted_run_gets_no_epochs_from_its_old_worker(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    experiment_id = long_experiment(client, new_dataset(client))
    with TrainingThread(settings, sessions) as old:
        old.trained_two_epochs(client, experiment_id)
        with sessions() as session:  # the supervisor gave the worker up as dead, but it still runs
            interrupt_worker_runs(session=session, worker_id="w-old")
        assert client.get(f"/api/experiments/{experiment_id}").json()["status"] == "interrupted"
        assert client.post(f"/api/experiments/{experiment_id}/restart").status_code == 202
        old.assert_stops("the old run kept training after it lost its claim")
    body = client.get(f"/api/experiments/{experiment_id}").json()
    assert body["status"] == "queued" and body["epochs_done"] == 0
    assert epoch_rows(sessions, experiment_id) == 0


def test_deleting_a_running_experiment_cancels_it_first(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    dataset_id = new_dataset(client)
    experiment_id = long_experiment(client, dataset_id)
    with TrainingThread(settings, sessions) as old:
        old.trained_two_epochs(client, experiment_id)
        assert client.delete(f"/api/experiments/{experiment_id}").status_code == 204
        old.assert_stops("the deleted run kept training")
    assert client.get(f"/api/experiments/{experiment_id}").status_code == 404
    assert epoch_rows(sessions, experiment_id) == 0
    assert not (settings.experiments_dir / str(experiment_id)).exists()
    newer = new_experiment(client, dataset_id)
    assert newer > experiment_id  # never the deleted one's id
    assert run_next(WorkerContext(settings, sessions, "w-new", threading.Event())) == newer
    body = client.get(f"/api/experiments/{newer}").json()
    assert body["status"] == "completed" and epoch_rows(sessions, newer) == body["epochs_done"]


def test_deleting_a_dataset_cancels_its_running_experiment(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    dataset_id = new_dataset(client)
    experiment_id = long_experiment(client, dataset_id)
    with TrainingThread(settings, sessions) as old:
        old.trained_two_epochs(client, experiment_id)
        assert client.delete(f"/api/datasets/{dataset_id}").status_code == 204
        old.assert_stops("the run kept training on a deleted dataset")
    with sessions() as session:
        assert get_experiment(session=session, experiment_id=experiment_id) is None
    assert epoch_rows(sessions, experiment_id) == 0
