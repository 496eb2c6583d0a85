"""Fair share: at most N running runs per owner, the queue served round robin across owners."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.db.experiments import create_experiment
from app.db.leases import claim_next_experiment
from app.db.models import Dataset, Experiment, ExperimentStatus, User
from app.db.ownership import Principal, acting_as

pytestmark = pytest.mark.databases


def _user(sessions: sessionmaker[Session], name: str) -> Principal:
    with sessions() as session:
        user = User(username=name, password_hash="-", role="member")
        session.add(user)
        session.commit()
        return Principal(user.id, name, "member")


def _queue(sessions: sessionmaker[Session], owner: Principal | None, count: int) -> list[int]:
    with acting_as(owner), sessions() as session:
        dataset = Dataset(name="d.csv", stored_name=f"d-{owner and owner.username}-{count}.csv", size_bytes=1,
                          sha256="h", row_count=1, column_count=2, read_options={}, notices=[], profile={})
        session.add(dataset)
        session.commit()
        return [create_experiment(session=session, dataset=dataset, spec={}, epochs_total=5).id for _ in range(count)]


def _claim(sessions: sessionmaker[Session], limit: int | None = 2) -> int | None:
    with sessions() as session:
        return claim_next_experiment(session=session, worker_id="w", lease_seconds=30, max_running_per_owner=limit)


def _finish(sessions: sessionmaker[Session], experiment_id: int) -> None:
    with sessions() as session:
        session.execute(update(Experiment).where(Experiment.id == experiment_id)
                        .values(status=ExperimentStatus.COMPLETED))
        session.commit()


def test_one_run_queued_later_starts_before_the_third_of_a_long_queue(sessions: sessionmaker[Session]) -> None:
    ana, ben = _user(sessions, "ana"), _user(sessions, "ben")
    anas = _queue(sessions, ana, 10)
    [bens] = _queue(sessions, ben, 1)
    started = [_claim(sessions) for _ in range(3)]  # two workers' worth and one more
    assert started == [anas[0], bens, anas[1]]


def test_one_worker_alternates_between_owners(sessions: sessionmaker[Session]) -> None:
    ana, ben = _user(sessions, "ana"), _user(sessions, "ben")
    anas = _queue(sessions, ana, 10)
    bens = _queue(sessions, ben, 2)
    started = []
    for _ in range(5):
        experiment_id = _claim(sessions)
        assert experiment_id is not None
        started.append(experiment_id)
        _finish(sessions, experiment_id)
    assert started == [anas[0], bens[0], anas[1], bens[1], anas[2]]


def test_an_owner_runs_at_most_the_limit(sessions: sessionmaker[Session]) -> None:
    anas = _queue(sessions, _user(sessions, "ana"), 5)
    assert [_claim(sessions) for _ in range(3)] == [anas[0], anas[1], None]
    _finish(sessions, anas[0])
    assert _claim(sessions) == anas[2]


def test_without_accounts_the_queue_runs_in_order(sessions: sessionmaker[Session]) -> None:
    queued = _queue(sessions, None, 4)
    assert [_claim(sessions, limit=None) for _ in range(4)] == queued


def test_simultaneous_claims_keep_the_limit(sessions: sessionmaker[Session]) -> None:
    _queue(sessions, _user(sessions, "ana"), 8)
    workers = 6
    start = threading.Barrier(workers)
    claimed: list[int | None] = []

    def claim() -> None:
        start.wait()
        claimed.append(_claim(sessions))

    threads = [threading.Thread(target=claim) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([c for c in claimed if c is not None]) == 2
