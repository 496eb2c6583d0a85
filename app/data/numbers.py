"""The one rule for numbers that go to JSON: a finite float, else None (JSON has no NaN)."""

from __future__ import annotations

import math
from typing import SupportsFloat


def finite(value: SupportsFloat | None) -> float | None:
    """`value` as a float when finite; None when missing, NaN or infinite."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None
