"""The workers' protocol: atomic claim, lease, cancel, recovery, and how runs end."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.experiments import get_experiment
from app.db.leases import claim_next_experiment, interrupt_expired_leases, renew_lease
from app.db.models import utc_now
from app.db.session import make_engine, make_session_factory
from app.jobs.worker import WorkerContext, run_next

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL


def blobs_csv(rows: int = 120, seed: int = 0) -> bytes:
    """Two well separated classes: any working network learns them."""
    rng = np.random.default_rng(seed)
    lines = ["x1,x2,colour,kind"]
    for index in range(rows):
        kind = "round" if index % 2 else "square"
        centre = 2.0 if kind == "round" else -2.0
        colour = ["red", "green", "blue"][index % 3]
        lines.append(f"{centre + rng.normal():.4f},{centre + rng.normal():.4f},{colour},{kind}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def sessions(client: TestClient, settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.resolved_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def make_context(settings: Settings, sessions: sessionmaker[Session], worker_id: str = "w-1") -> WorkerContext:
    return WorkerContext(settings, sessions, worker_id, threading.Event())


def new_dataset(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("blobs.csv", io.BytesIO(blobs_csv()), "text/csv")})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def new_experiment(client: TestClient, dataset_id: int, label: str = "kind", **training: object) -> int:
    spec = {
        "dataset_id": dataset_id,
        "label": label,
        "layers": [{"units": 8, "activation": "relu"}],
        "training": {"epochs": 5, "batch_size": 16, "learning_rate": 0.01, **training},
    }
    response = client.post("/api/experiments", json=spec)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    return int(response.json()["id"])


def test_claim_is_atomic_and_in_order(client: TestClient, sessions: sessionmaker[Session]) -> None:
    dataset_id = new_dataset(client)
    first, second = new_experiment(client, dataset_id), new_experiment(client, dataset_id)
    assert client.get(f"/api/experiments/{second}").json()["queue_position"] == 2
    with sessions() as session:
        assert claim_next_experiment(session=session, worker_id="a", lease_seconds=30) == first
        assert claim_next_experiment(session=session, worker_id="b", lease_seconds=30) == second
        assert claim_next_experiment(session=session, worker_id="c", lease_seconds=30) is None
        assert get_experiment(session=session, experiment_id=first).worker_id == "a"  # type: ignore[union-attr]
        token = get_experiment(session=session, experiment_id=first).claim_token  # type: ignore[union-attr]
        assert token and renew_lease(session=session, experiment_id=first, claim_token=token, lease_seconds=30)
        assert not renew_lease(session=session, experiment_id=first, claim_token="not-" + token, lease_seconds=30)


def test_a_worker_trains_and_records_every_epoch(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    experiment_id = new_experiment(client, new_dataset(client), early_stopping_patience=None)
    assert run_next(make_context(settings, sessions)) == experiment_id
    body = client.get(f"/api/experiments/{experiment_id}").json()
    assert body["status"] == "completed", body["error"]
    assert body["task"] == "binary"
    assert body["epochs_done"] == 5
    assert body["metrics"]["test"]["accuracy"] >= 0.9
    assert set(body["metrics"]) == {"train", "validation", "test"}
    assert (settings.experiments_dir / str(experiment_id) / "weights.npz").exists()
    assert run_next(make_context(settings, sessions)) is None  # the queue is empty


def test_without_early_stopping_the_kept_epoch_is_the_latest_while_it_trains(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live page marks the epoch whose weights are kept: with no early stopping, the last one."""
    from app.jobs import runner

    reported: list[tuple[int, int | None]] = []
    record = runner.record_epoch

    def spy(**kwargs: Any) -> bool:
        reported.append((kwargs["row"].epoch, kwargs["best_epoch"]))
        return record(**kwargs)

    monkeypatch.setattr(runner, "record_epoch", spy)
    experiment_id = new_experiment(  # a large step: the validation loss does not fall every epoch
        client, new_dataset(client), epochs=30, learning_rate=0.5, early_stopping_patience=None
    )
    assert run_next(make_context(settings, sessions)) == experiment_id
    assert [epoch for epoch, _ in reported] == list(range(1, 31))
    assert all(best == epoch for epoch, best in reported)


def test_cancel_of_a_queued_experiment_is_immediate(client: TestClient) -> None:
    experiment_id = new_experiment(client, new_dataset(client))
    body = client.post(f"/api/experiments/{experiment_id}/cancel").json()
    assert body["status"] == "cancelled"


def test_cancel_while_running_stops_within_an_epoch(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    experiment_id = new_experiment(client, new_dataset(client), epochs=5000, early_stopping_patience=None)
    context = make_context(settings, sessions)
    thread = threading.Thread(target=run_next, args=(context,))
    thread.start()
    try:
        deadline = utc_now() + timedelta(seconds=60)
        while client.get(f"/api/experiments/{experiment_id}").json()["epochs_done"] < 2:
            assert utc_now() < deadline, "training did not start"
        assert client.post(f"/api/experiments/{experiment_id}/cancel").status_code == 200
    finally:
        thread.join(60)
    body = client.get(f"/api/experiments/{experiment_id}").json()
    assert body["status"] == "cancelled"
    assert body["epochs_done"] < 5000


def test_expired_leases_become_interrupted_and_can_restart(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    experiment_id = new_experiment(client, new_dataset(client))
    with sessions() as session:
        claim_next_experiment(session=session, worker_id="dead", lease_seconds=30)
        assert interrupt_expired_leases(session=session, now=utc_now() + timedelta(seconds=31)) == 1
    body = client.get(f"/api/experiments/{experiment_id}").json()
    assert body["status"] == "interrupted"
    assert "Restart" in body["error"]

    restarted = client.post(f"/api/experiments/{experiment_id}/restart")
    assert restarted.status_code == 202 and restarted.json()["status"] == "queued"
    run_next(make_context(settings, sessions))
    assert client.get(f"/api/experiments/{experiment_id}").json()["status"] == "completed"


def test_lifespan_recovers_a_running_experiment_left_behind(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from app.main import create_app

    experiment_id = new_experiment(client, new_dataset(client))
    with sessions() as session:
        claim_next_experiment(session=session, worker_id="gone", lease_seconds=-1)
    with TestClient(create_app(settings)) as restarted:
        body = restarted.get(f"/api/experiments/{experiment_id}").json()
    assert body["status"] == "interrupted"


def test_divergence_fails_with_a_reason(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    experiment_id = new_experiment(
        client,
        new_dataset(client),
        label="x1",
        learning_rate=10,
        optimizer="sgd",
        epochs=50,
        early_stopping_patience=None,
    )
    run_next(make_context(settings, sessions))
    body = client.get(f"/api/experiments/{experiment_id}").json()
    assert body["status"] == "failed"
    assert "learning rate" in body["error"]


def test_bad_data_found_in_training_fails_cleanly(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    dataset_id = new_dataset(client)
    experiment_id = new_experiment(client, dataset_id)
    for stored in list(settings.datasets_dir.iterdir()):  # the file changed, its Parquet copy gone
        if stored.name.endswith(".frame.parquet"):
            stored.unlink()
        else:
            stored.write_text("x1,kind\n1,a\n")
    run_next(make_context(settings, sessions))
    body = client.get(f"/api/experiments/{experiment_id}").json()
    assert body["status"] == "failed"
    assert body["error"] and "Traceback" not in body["error"]
