"""A restarted server queues again what its predecessor's Dask cluster was running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.cluster_runs import CLUSTER_WORKER_PREFIX
from app.db.experiments import EpochRow, record_epoch
from app.db.leases import claim_next_experiment
from app.db.models import Experiment
from app.db.session import make_engine, make_session_factory
from app.jobs.instances import instances_dir
from app.main import create_app
from tests.jobs.test_worker import new_dataset, new_experiment

ROW = EpochRow(epoch=1, train_loss=1.0, val_loss=1.0, train_metric=0.5, val_metric=0.5, seconds=0.1)


@pytest.fixture
def sessions(client: TestClient, settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.resolved_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def claim(sessions: sessionmaker[Session], instance_id: str, worker_id: str, token: str) -> int:
    with sessions() as session:
        claimed = claim_next_experiment(session=session, worker_id=worker_id, lease_seconds=3600,
                                        claim_token=token, instance_id=instance_id)
        assert claimed is not None
        record_epoch(session=session, experiment_id=claimed, claim_token=token, row=ROW, lease_seconds=3600,
                     best_epoch=1)
    return claimed


def test_a_dead_servers_cluster_runs_are_queued_again_and_local_runs_interrupted(
    client: TestClient, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    dataset_id = new_dataset(client)
    on_cluster, on_cluster_cancelled, local = (new_experiment(client, dataset_id) for _ in range(3))
    dead = "c" * 32
    instances = instances_dir(settings.data_dir)
    instances.mkdir(parents=True, exist_ok=True)
    (instances / f"{dead}.lock").touch()  # the previous server was killed: its lock file stays, unlocked
    assert claim(sessions, dead, f"{CLUSTER_WORKER_PREFIX}{dead[:16]}:1", "1" * 32) == on_cluster
    assert claim(sessions, dead, f"{CLUSTER_WORKER_PREFIX}{dead[:16]}:2", "2" * 32) == on_cluster_cancelled
    assert claim(sessions, dead, f"{dead}-0.0", "3" * 32) == local
    assert client.post(f"/api/experiments/{on_cluster_cancelled}/cancel").is_success
    with TestClient(create_app(settings)) as restarted:
        bodies = [restarted.get(f"/api/experiments/{i}").json() for i in (on_cluster, on_cluster_cancelled, local)]
    assert [body["status"] for body in bodies] == ["queued", "cancelled", "interrupted"]
    assert bodies[0]["epochs_done"] == 0 and bodies[0]["worker_address"] is None
    with sessions() as session:
        requeued = session.get(Experiment, on_cluster)
        assert requeued is not None and requeued.claim_token is None and requeued.epochs_done == 0
