"""Workers claiming from the queue at the same moment each get their own experiment, none waits."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.db.experiments import create_experiment
from app.db.leases import claim_next_experiment
from app.db.migrations import upgrade_to_head
from app.db.models import Dataset
from app.db.session import make_engine, make_session_factory
from tests.postgres_server import PostgresServer

WORKERS = 6


def queue_experiments(sessions: sessionmaker[Session], count: int) -> list[int]:
    with sessions() as session:
        dataset = Dataset(name="d.csv", stored_name="d.csv", size_bytes=1, sha256="h", row_count=1,
                          column_count=2, read_options={}, notices=[], profile={})
        session.add(dataset)
        session.commit()
        return [create_experiment(session=session, dataset=dataset, spec={}, epochs_total=5).id for _ in range(count)]


def engine_at(url: str) -> Iterator[Engine]:
    upgrade_to_head(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    yield from engine_at(database_url)


@pytest.fixture
def postgres_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    url = postgres_server.create_database()
    yield from engine_at(url)
    postgres_server.drop_database(url)


@pytest.mark.databases
def test_simultaneous_claims_take_every_queued_experiment_once(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    queued = queue_experiments(sessions, WORKERS)
    start = threading.Barrier(WORKERS)
    claimed: list[int | None] = []

    def claim(worker: int) -> None:
        with sessions() as session:
            start.wait()
            claimed.append(claim_next_experiment(session=session, worker_id=f"w{worker}", lease_seconds=30))

    threads = [threading.Thread(target=claim, args=(worker,)) for worker in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed, key=lambda claim: claim or 0) == queued


def test_a_claim_skips_the_row_another_worker_is_claiming(postgres_engine: Engine) -> None:
    """PostgreSQL: while one transaction holds the oldest queued row, the next claim takes the one after
    at once (FOR UPDATE SKIP LOCKED) instead of waiting for that transaction."""
    sessions = make_session_factory(postgres_engine)
    first, second = queue_experiments(sessions, 2)
    with postgres_engine.connect() as holder, sessions() as session:
        holder.execute(text("SELECT id FROM experiments WHERE id = :id FOR UPDATE"), {"id": first})
        session.execute(text("SET lock_timeout = '10s'"))  # a claim that waited would fail here
        assert claim_next_experiment(session=session, worker_id="w", lease_seconds=30) == second
        holder.rollback()
    with sessions() as session:
        assert claim_next_experiment(session=session, worker_id="w", lease_seconds=30) == first
