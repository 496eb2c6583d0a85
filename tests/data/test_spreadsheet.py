"""Exported CSV cells never run as spreadsheet formulas; numbers stay numbers."""

from __future__ import annotations

import pandas as pd

from app.data.spreadsheet import neutralise_cell, spreadsheet_safe


def test_formula_cells_get_an_apostrophe() -> None:
    for cell in ["=1+1", "+SUM(A1)", "-cmd|' /C calc'!A0", "@SUM(1)", "\tx", "\rx"]:
        assert neutralise_cell(cell) == "'" + cell


def test_numbers_and_plain_text_are_untouched() -> None:
    for cell in ["-5", "+3.25", "-1e-3", "hello", "a=b", 42, -7.5, None]:
        assert neutralise_cell(cell) == cell


def test_frames_keep_numeric_columns_and_neutralise_text_and_headers() -> None:
    frame = pd.DataFrame({"value": [-1.5, 2.0], "=name": ["=cmd()", "ok"], "label": ["-x", None]})
    safe = spreadsheet_safe(frame)
    assert safe["value"].tolist() == [-1.5, 2.0]
    assert list(safe.columns) == ["value", "'=name", "label"]
    assert safe["'=name"].tolist() == ["'=cmd()", "ok"]
    assert safe["label"].iloc[0] == "'-x" and pd.isna(safe["label"].iloc[1])
    assert frame["=name"].tolist() == ["=cmd()", "ok"]  # the input is not changed
