"""CSV cells a spreadsheet would run as formulas are neutralised before export.

A cell that begins with =, +, -, @, a tab or a carriage return can be read as a
formula by Excel or LibreOffice ("CSV injection"); it gets a leading apostrophe.
Numbers stay numbers: numeric columns are untouched, and so is text such as "-5"
that is just a number.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralise_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) cannot run as formulas."""
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
            safe[name] = column.map(neutralise_cell, na_action="ignore")
    safe.columns = [neutralise_cell(str(name)) for name in safe.columns]
    return safe
