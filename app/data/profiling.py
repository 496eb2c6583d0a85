"""A dataset's profile: per column its kind, missing and distinct counts, statistics, most
common values and histogram, plus the first rows; all JSON-safe (None, never NaN or inf).

Each column is counted once (`distinct_values`); statistics, top values and histograms are
read off those counts, so profiling a million rows stays a few vectorised passes per column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from app.data.arrow_columns import ValueCounts, known_counts
from app.data.column_kinds import ColumnKind, Distinct, distinct_values, infer_kind
from app.data.missing_tokens import token_like_values
from app.data.numbers import finite
from app.data.numeric_profiles import is_plain_number_dtype, number_blocks, profile_number_block

TOP_VALUES = 10
HISTOGRAM_BINS = 20

JsonScalar = str | int | float | None


@dataclass
class ColumnProfile:
    name: str
    kind: ColumnKind
    dtype: str
    missing: int
    unique: int
    # distinct / non-missing values: near 0 for categories, 1 for identifiers.
    distinct_ratio: float | None
    stats: dict[str, JsonScalar] = field(default_factory=dict)
    top: list[dict[str, JsonScalar]] = field(default_factory=list)
    # How many non-missing values are not among `top`.
    top_other: int = 0
    histogram: dict[str, list[float]] | None = None
    # Sentences for the person: tokens read as missing, values that look like missing markers.
    notes: list[str] = field(default_factory=list)


@dataclass
class DatasetProfile:
    rows: int
    columns: list[ColumnProfile]
    preview: dict[str, list[Any]]

    def to_dict(self) -> dict[str, Any]:
        # The profile holds only JSON values, so a shallow copy per column is enough (asdict's
        # deep copy costs seconds on a table of thousands of columns).
        return {
            "rows": self.rows,
            "columns": [dict(vars(column)) for column in self.columns],
            "preview": self.preview,
        }

    def column(self, name: str) -> ColumnProfile:
        return next(column for column in self.columns if column.name == name)


def profile_frame(
    frame: pd.DataFrame,
    preview_rows: int = 20,
    column_notes: dict[str, list[str]] | None = None,
    missing_tokens: list[str] | None = None,
    value_counts: ValueCounts | None = None,
) -> DatasetProfile:
    """`column_notes` come from reading (tokens read as missing); `missing_tokens` is the
    dataset's choice (None for the default rule), so chosen tokens are not asked about;
    `value_counts`: text columns reading counted already."""
    notes = column_notes or {}
    numbers = [name for name, dtype in frame.dtypes.items() if is_plain_number_dtype(dtype)]
    batched: dict[str, dict | None] = {}
    if frame.columns.is_unique:
        for block in number_blocks(numbers, len(frame)):
            batched.update(profile_number_block([frame[name] for name in block], finite))
    columns = []
    for name, column in frame.items():
        fields = batched.get(name)
        if fields is None:
            counted = known_counts(value_counts, str(name), column)
            columns.append(profile_column(str(name), column, notes.get(str(name), []), missing_tokens, counted))
        else:
            columns.append(ColumnProfile(name=str(name), notes=list(notes.get(str(name), [])), **fields))
    return DatasetProfile(rows=len(frame), columns=columns, preview=preview(frame, preview_rows))


def profile_column(
    name: str,
    column: pd.Series,
    notes: list[str] | None = None,
    missing_tokens: list[str] | None = None,
    counted: pa.StructArray | None = None,
) -> ColumnProfile:
    distinct = distinct_values(column, counted)
    kind = infer_kind(column, distinct)
    present = distinct.present
    profile = ColumnProfile(
        name=name,
        kind=kind,
        dtype=str(column.dtype),
        missing=distinct.missing,
        unique=len(distinct.values),
        distinct_ratio=finite(len(distinct.values) / present) if present else None,
        notes=list(notes or []),
    )
    if not distinct.numeric:
        profile.notes += token_like_values(distinct.values, distinct.counts, missing_tokens)
    if distinct.numeric and kind != "boolean":
        profile.stats = number_stats(distinct)
        profile.histogram = histogram(distinct, integer_bins=kind == "integer")
    if distinct.dates is not None:
        profile.stats = {
            "min": distinct.dates.min().isoformat(),
            "max": distinct.dates.max().isoformat(),
        }
    if kind in ("boolean", "categorical", "constant") or (kind == "integer" and len(distinct.values) <= 50):
        profile.top, profile.top_other = top_values(distinct, column)
    return profile


def number_stats(distinct: Distinct) -> dict[str, JsonScalar]:
    if not len(distinct.values):
        return dict.fromkeys(("min", "max", "mean", "std", "q1", "median", "q3"))
    values, counts = distinct.values, distinct.counts
    total = counts.sum()
    with np.errstate(over="ignore", invalid="ignore"):  # overflow reads as None below
        mean = float(np.dot(values, counts) / total)
        squares = np.dot((values - mean) ** 2, counts) if math.isfinite(mean) else math.inf
        variance = float(squares / (total - 1)) if total > 1 else 0.0
    return {
        "min": finite(values[0]),
        "max": finite(values[-1]),
        "mean": finite(mean),
        "std": finite(math.sqrt(variance)) if math.isfinite(variance) else None,
        "q1": finite(_quantile(distinct, 0.25)),
        "median": finite(_quantile(distinct, 0.5)),
        "q3": finite(_quantile(distinct, 0.75)),
    }


def _quantile(distinct: Distinct, q: float) -> float:
    """Linear-interpolated quantile of the expanded values, as numpy's default method."""
    values, ends = distinct.values, distinct.cumulative
    position = q * (ends[-1] - 1)
    below = int(math.floor(position))
    low = float(values[np.searchsorted(ends, below, side="right")])
    high = float(values[np.searchsorted(ends, min(below + 1, ends[-1] - 1), side="right")])
    return low + (high - low) * (position - below) if high != low else low


def histogram(distinct: Distinct, integer_bins: bool) -> dict[str, list[float]] | None:
    values = distinct.values
    if not len(values):
        return None
    low, high = float(values[0]), float(values[-1])
    if not math.isfinite(high - low):
        return None  # a range wider than float64 can hold has no meaningful bins
    if integer_bins and high - low < HISTOGRAM_BINS:
        edges = np.arange(low - 0.5, high + 1.0, 1.0)  # one bar per whole number
    else:
        edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
        if np.any(np.diff(edges) <= 0):  # a range too narrow for float64 to split
            edges = np.array([low, high])
    # Values are sorted, so a bin's count is a difference of cumulative counts at its edges;
    # bins are half-open [a, b) except the last, as in np.histogram.
    cumulative = np.concatenate(([0], distinct.cumulative))
    cuts = np.concatenate(([0], np.searchsorted(values, edges[1:-1], side="left"), [len(values)]))
    binned = np.diff(cumulative[cuts])
    return {"edges": [float(edge) for edge in edges], "counts": [int(c) for c in binned]}


def top_values(distinct: Distinct, column: pd.Series) -> tuple[list[dict[str, JsonScalar]], int]:
    order = np.argsort(-distinct.counts, kind="stable")[:TOP_VALUES]
    boolean = pd.api.types.is_bool_dtype(column.dtype)
    values = distinct.values
    chosen = (
        np.array(values.take(pa.array(order)).to_pylist(), dtype=object)
        if isinstance(values, pa.Array)
        else values[order]
    )
    counts = distinct.counts[order]
    top = [
        {"value": _display(value, boolean), "count": int(count)} for value, count in zip(chosen, counts, strict=True)
    ]
    return top, distinct.present - sum(item["count"] for item in top)


def preview(frame: pd.DataFrame, rows: int) -> dict[str, list[Any]]:
    booleans = [pd.api.types.is_bool_dtype(dtype) for dtype in frame.dtypes]
    cells = [
        [_display(value, boolean) for value in values]
        for values, boolean in zip(frame.iloc[:rows].to_numpy(dtype=object).T, booleans, strict=True)
    ]
    return {
        "columns": [str(name) for name in frame.columns],
        "rows": [list(row) for row in zip(*cells, strict=True)] if cells else [],
    }


def _display(value: Any, boolean: bool = False) -> str | None:
    """A cell as the text a person would type: None when missing, "3" rather than "3.0"."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return None  # infinities count as missing, as when a file is read
        if boolean:
            return "true" if value else "false"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(float(value), ".15g")
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
