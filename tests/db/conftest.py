"""Fixtures shared by the database tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.migrations import upgrade_to_head
from app.db.session import make_engine, make_session_factory


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database (SQLite, and PostgreSQL under the databases marker)."""
    upgrade_to_head(database_url)
    engine: Engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()
