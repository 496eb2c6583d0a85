"""Fixtures shared by the web tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine sends while the test runs."""
    caught: list[str] = []

    def catch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        caught.append(statement)

    event.listen(Engine, "before_cursor_execute", catch)
    yield caught
    event.remove(Engine, "before_cursor_execute", catch)
