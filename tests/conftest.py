"""Shared fixtures: every app client gets a fresh data directory and database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

TEST_HOSTS = ["testserver", "127.0.0.1", "localhost"]


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "workers": 0, "allowed_hosts": TEST_HOSTS}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings for a fresh data directory, with any setting overridden."""

    def build(**overrides: object) -> Settings:
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
