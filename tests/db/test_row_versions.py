"""Every write to an experiment's row moves its version, whichever way the db modules write it;
an experiment's detail version also follows its sweep's revealed configuration."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.cross_validation import store_cross_validation
from app.db.experiments import (
    DetailVersion,
    create_experiment,
    detail_version,
    request_cancel,
    restart_experiment,
    set_task,
    store_results,
)
from app.db.models import Dataset, Experiment, Sweep
from app.db.sweeps import reveal_config

pytestmark = pytest.mark.databases


@pytest.fixture
def experiment_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        dataset = Dataset(name="d.csv", stored_name="d.csv", size_bytes=1, sha256="h", row_count=1,
                          column_count=2, read_options={}, notices=[], profile={})
        session.add(dataset)
        session.commit()
        return create_experiment(session=session, dataset=dataset, spec={}, epochs_total=5).id


def _version(sessions: sessionmaker[Session], experiment_id: int) -> int:
    with sessions() as session:
        return int(session.scalar(select(Experiment.version).where(Experiment.id == experiment_id)) or 0)


def test_each_way_of_writing_an_experiment_moves_its_version(
    sessions: sessionmaker[Session], experiment_id: int
) -> None:
    seen = [_version(sessions, experiment_id)]
    writes = [
        lambda s, e: set_task(session=s, experiment_id=e.id, task="binary"),  # an UPDATE statement
        lambda s, e: store_cross_validation(session=s, experiment_id=e.id, result={"status": "completed"}),
        lambda s, e: store_results(session=s, experiment=e, metrics={"test": {}}, summary={}),  # the unit of work
        lambda s, e: request_cancel(session=s, experiment=e),
        lambda s, e: restart_experiment(session=s, experiment=e),
    ]
    for write in writes:
        with sessions() as session:
            experiment = session.get(Experiment, experiment_id)
            write(session, experiment)
        seen.append(_version(sessions, experiment_id))
    assert seen == sorted(set(seen)), seen  # every write moved it forward


def test_a_flush_that_changes_nothing_writes_nothing(sessions: sessionmaker[Session], experiment_id: int) -> None:
    before = _version(sessions, experiment_id)
    with sessions() as session:
        experiment = session.get(Experiment, experiment_id)
        assert experiment is not None
        experiment.epochs_total = experiment.epochs_total  # marked dirty, unchanged
        session.commit()
    assert _version(sessions, experiment_id) == before


def test_the_detail_version_follows_the_sweeps_reveal(sessions: sessionmaker[Session], experiment_id: int) -> None:
    with sessions() as session:
        experiment = session.get(Experiment, experiment_id)
        assert experiment is not None
        sweep = Sweep(dataset_id=experiment.dataset_id, base={}, space={}, strategy="grid", repeats=1, configs=[{}])
        session.add(sweep)
        session.flush()
        experiment.sweep_id, experiment.sweep_config = sweep.id, 1
        session.commit()
        plain = detail_version(session=session, experiment_id=experiment_id)
        assert plain is not None and plain.revealed_config is None
        reveal_config(session=session, sweep=sweep, config=1)
        assert detail_version(session=session, experiment_id=experiment_id) == DetailVersion(plain.version, 1)
        assert detail_version(session=session, experiment_id=experiment_id + 1) is None
