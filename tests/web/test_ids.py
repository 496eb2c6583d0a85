"""Strict number parsing for forms and headers: ASCII digits within range, or nothing."""

from __future__ import annotations

import pytest

from app.web.ids import MAX_ID, parse_id, parse_whole


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), (" 7 ", 7), ("0", 0), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("1" + "0" * 40, None),
     ("²", None), ("1²", None), ("٣", None), ("-1", None), ("+1", None), ("1e3", None), ("1.5", None),
     ("NaN", None), ("", None), (None, None)],
)
def test_parse_whole(text: str | None, expected: int | None) -> None:
    assert parse_whole(text) == expected


def test_parse_whole_with_a_maximum_and_ids_start_at_one() -> None:
    assert parse_whole("3", maximum=2) is None
    assert parse_whole("2", maximum=2) == 2
    assert parse_id("0") is None
    assert parse_id("5") == 5
