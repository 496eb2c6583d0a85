"""Shared fixtures: every app client gets a fresh data directory and database.

Tests marked `databases` run twice: on SQLite (the default, a file in the data directory)
and on a throwaway PostgreSQL server that the first such test starts (tests/postgres_server.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.postgres_server import PostgresServer, server_for_tests

TEST_HOSTS = ["testserver", "127.0.0.1", "localhost"]
BACKENDS = ("sqlite", "postgresql")
# Set to `postgresql` to run every other test on PostgreSQL too (a full check of the app on it).
DEFAULT_BACKEND_ENV = "LAYERLAB_TESTS_DATABASE"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module marked `databases` may hold tests that need no database: those run once."""
    if metafunc.definition.get_closest_marker("databases") and "database" in metafunc.fixturenames:
        metafunc.parametrize("database", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One server for the whole run, stopped at its end whatever the tests did."""
    server = server_for_tests()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Database:
    backend: str
    url: str | None  # None: SQLite in the data directory, as without the setting


@pytest.fixture
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A new empty database: SQLite (or `LAYERLAB_TESTS_DATABASE`); both in turn for tests marked `databases`."""
    backend = getattr(request, "param", os.environ.get(DEFAULT_BACKEND_ENV) or "sqlite")
    if backend not in BACKENDS:
        pytest.fail(f"{DEFAULT_BACKEND_ENV} is {backend!r}; it may be sqlite or postgresql.", pytrace=False)
    if backend == "sqlite":
        yield Database("sqlite", None)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield Database(backend, url)
    server.drop_database(url)


@pytest.fixture
def database_url(database: Database, tmp_path: Path) -> str:
    """A URL of an empty database, for tests below the app (migrations, the claim protocol)."""
    return database.url or f"sqlite:///{tmp_path / 'layerlab.db'}"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "workers": 0, "allowed_hosts": TEST_HOSTS}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings_factory(tmp_path: Path, database: Database):  # type: ignore[no-untyped-def]
    """Settings for a fresh data directory (and the test's database), with any setting overridden."""

    def build(**overrides: object) -> Settings:
        if database.url is not None:
            overrides = {"database_url": database.url, **overrides}
        return make_settings(tmp_path / "data", **overrides)

    return build


@pytest.fixture
def settings(settings_factory) -> Settings:  # type: ignore[no-untyped-def]
    return settings_factory()


@pytest.fixture
def run_queued(settings: Settings):  # type: ignore[no-untyped-def]
    """`run_queued()` trains every queued experiment in this process; returns how many ran."""
    from app.db.session import make_engine, make_session_factory
    from app.jobs.worker import WorkerContext, run_next

    def run() -> int:
        engine = make_engine(settings.resolved_database_url)
        context = WorkerContext(settings, make_session_factory(engine), "test-worker", threading.Event())
        count = 0
        while run_next(context) is not None:
            count += 1
        engine.dispose()
        return count

    return run


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
