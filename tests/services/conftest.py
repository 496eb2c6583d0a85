"""Services are called with a session and settings, as the routers call them: no HTTP here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.migrations import upgrade_to_head
from app.db.session import make_engine, make_session_factory


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """A session on a migrated, empty database in the test's data directory."""
    settings.prepare_directories()
    upgrade_to_head(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as opened:
        yield opened
    engine.dispose()
