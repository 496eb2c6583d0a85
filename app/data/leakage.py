"""Columns that give the label away: each of their values maps to a single label value.

A feature like that makes a perfect score on paper and a useless model in practice
("leakage"); the builder flags it so the person decides.
"""

from __future__ import annotations

import pandas as pd

# A column whose values are nearly all distinct trivially "determines" the label;
# that is the ID-like flag's business, not leakage.
MAX_DISTINCT_SHARE = 0.5
MIN_ROWS = 10


def leaking_columns(frame: pd.DataFrame, label: str, candidates: list[str]) -> list[str]:
    """The candidates whose every value occurs with one label value only."""
    rows = frame[[label]].dropna()
    if len(rows) < MIN_ROWS or frame[label].nunique(dropna=True) < 2:
        return []
    leaking = []
    for name in candidates:
        if name == label or name not in frame.columns:
            continue
        pair = frame[[name, label]].dropna()
        distinct = pair[name].nunique()
        if len(pair) < MIN_ROWS or distinct > MAX_DISTINCT_SHARE * len(pair) or distinct < 2:
            continue
        if int(pair.groupby(name, sort=False)[label].nunique().max()) == 1:
            leaking.append(name)
    return leaking
