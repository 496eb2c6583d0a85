"""Numbers read from paths, queries, forms and headers, parsed strictly in one place.

Ids are whole numbers from 1 up to the largest integer SQLite (and PostgreSQL's
BIGINT) can hold; anything else is a 422 with a sentence, never a database error.
Text from forms and headers counts only ASCII digits: `"²".isdigit()` is True in
Python, but `int("²")` fails.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def parse_whole(text: str | None, *, maximum: int = MAX_ID) -> int | None:
    """`"12"` → 12; None for anything but ASCII digits up to `maximum` (`²`, `-1`, `1e3`, ``)."""
    if text is None:
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


def parse_id(text: str | None) -> int | None:
    """A stored row's id from text, or None when it cannot be one."""
    value = parse_whole(text)
    return value if value is not None and value >= 1 else None
