"""Numbers as people read them: three significant digits, thousands separated."""

from __future__ import annotations

import math
from typing import Any


def significant(value: Any, digits: int = 3) -> str:
    """3 significant digits with thousands separators: 1234.5 → '1,235', 0.012345 → '0.0123'."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= digits - 1:
        return f"{round(value):,}"
    decimals = digits - 1 - magnitude
    return f"{value:,.{decimals}f}"
