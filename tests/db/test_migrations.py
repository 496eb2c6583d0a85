"""`alembic upgrade head` on an empty database gives exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from alembic import command
from app.db.migrations import alembic_config, upgrade_to_head
from app.db.models import Base
from app.db.session import make_engine


@pytest.mark.databases
def test_upgrade_head_matches_models(database_url: str) -> None:
    url = database_url
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert differences == []
    assert set(Base.metadata.tables) <= tables


@pytest.mark.databases
def test_upgrade_is_idempotent_and_keeps_rows(database_url: str) -> None:
    url = database_url
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO datasets (name, stored_name, size_bytes, sha256, row_count, column_count,"
                " read_options, notices, profile, created_at)"
                " VALUES ('a.csv', 'x.csv', 1, 'h', 1, 2, '{}', '[]', '{}', '2026-01-01')"
            )
        )
    upgrade_to_head(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM datasets")).scalar_one() == 1
    engine.dispose()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() >= 1000
    engine.dispose()


def _insert_dataset(connection: Connection, stored_name: str) -> int:
    return connection.execute(
        text(
            "INSERT INTO datasets (name, stored_name, size_bytes, sha256, row_count, column_count,"
            " read_options, notices, profile, created_at)"
            " VALUES ('a.csv', :stored, 1, 'h', 1, 2, '{}', '[]', '{}', '2026-01-01') RETURNING id"
        ),
        {"stored": stored_name},
    ).scalar_one()


def _insert_experiment(connection: Connection, dataset_id: int) -> int:
    return connection.execute(
        text(
            "INSERT INTO experiments (dataset_id, status, spec, epochs_total, epochs_done, cancel_requested,"
            " created_at) VALUES (:dataset, 'completed', '{}', 5, 5, false, '2026-01-01') RETURNING id"
        ),
        {"dataset": dataset_id},
    ).scalar_one()


@pytest.mark.databases
def test_ids_are_never_reused_after_a_delete(database_url: str) -> None:
    url = database_url
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        dataset = _insert_dataset(connection, "a.csv")
        experiment = _insert_experiment(connection, dataset)
        connection.execute(text("DELETE FROM experiments WHERE id = :id"), {"id": experiment})
        connection.execute(text("DELETE FROM datasets WHERE id = :id"), {"id": dataset})
        new_dataset = _insert_dataset(connection, "b.csv")
        new_experiment = _insert_experiment(connection, new_dataset)
    engine.dispose()
    assert new_dataset > dataset and new_experiment > experiment


@pytest.mark.databases
def test_downgrade_to_nothing_and_up_again(database_url: str) -> None:
    """Every migration runs both ways on both databases (the SQLite-only steps stay SQLite-only)."""
    upgrade_to_head(database_url)
    command.downgrade(alembic_config(database_url), "base")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    test_upgrade_head_matches_models(database_url)


@pytest.mark.databases
def test_upgrades_from_before_the_claims_keep_every_row(database_url: str) -> None:
    url = database_url
    command.upgrade(alembic_config(url), "0005")  # the revision before 0006 (claims, AUTOINCREMENT)
    engine = make_engine(url)
    with engine.begin() as connection:
        dataset = _insert_dataset(connection, "a.csv")
        experiment = _insert_experiment(connection, dataset)
        last = _insert_experiment(connection, dataset)
        connection.execute(text("DELETE FROM experiments WHERE id = :id"), {"id": last})
    upgrade_to_head(url)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM experiments")).scalar_one() == 1
        assert _insert_experiment(connection, dataset) > experiment
    engine.dispose()


def test_migration_to_autoincrement_keeps_every_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0005")  # the revision before ours
    engine = make_engine(url)
    with engine.begin() as connection:
        dataset = _insert_dataset(connection, "a.csv")
        experiment = _insert_experiment(connection, dataset)
        last = _insert_experiment(connection, dataset)
        for epoch in (1, 2, 3):
            connection.execute(
                text("INSERT INTO epoch_metrics (experiment_id, epoch, seconds) VALUES (:id, :epoch, 0.1)"),
                {"id": experiment, "epoch": epoch},
            )
        connection.execute(text("DELETE FROM experiments WHERE id = :id"), {"id": last})
    upgrade_to_head(url)
    with engine.begin() as connection:
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("datasets", "experiments", "epoch_metrics")
        ]
        assert counts == [1, 1, 3]
        assert connection.execute(text("PRAGMA foreign_key_check")).first() is None
        assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        assert _insert_experiment(connection, dataset) > experiment
        sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'experiments'")).scalar_one()
        assert "AUTOINCREMENT" in sql
    engine.dispose()
