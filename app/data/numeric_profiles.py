"""Profiles of many number columns at once: a block of columns is converted and sorted in one
NumPy call, then each column's statistics are read off its sorted values in a few passes.

A table of thousands of number columns otherwise spends its time in per-call overhead; a
million-row table in sorting, which this does once per column, and only where it must: a long
column already in order (an id) is only checked, and a long integer column of a narrow range is
counted (`np.bincount`) and written out in order, both linear. Temporaries stay the size of a
piece of a column, so the profile adds little to the frame's own memory.
The results match `profiling.profile_column` (the same definitions: sample std, numpy's linear quantiles,
histograms half-open but the last bin). Columns that need their distinct values listed (top
values of booleans, constants and integers with few values) are left to `profile_column`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.data.column_kinds import ID_MIN_ROWS

HISTOGRAM_BINS = 20
TOP_INTEGER_VALUES = 50
BLOCK_CELLS = 1_000_000  # float64 cells sorted at a time: 8 MB, whatever the table's shape
# From this many rows a column is sorted on its own, after the cheaper checks; shorter columns
# are sorted a block at a time in one call, where per-call overhead is what costs.
LONG_COLUMN_ROWS = 65_536
_EXACT_INTEGERS = 2.0**53  # float64 holds every integer below this exactly
_PIECE = 1 << 16  # values a temporary holds at most
# Integers are counted only over a range this wide: each piece's counts are then piece-sized.
COUNTED_SPAN = _PIECE
MAX_COUNTED_DISTINCT = 4096  # distinct integers written back one run at a time; more are sorted

Finite = Callable[[float], "float | None"]


def is_plain_number_dtype(dtype: object) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind in "iuf"


def number_blocks(names: list[str], rows: int) -> list[list[str]]:
    width = max(1, BLOCK_CELLS // max(rows, 1))
    return [names[start : start + width] for start in range(0, len(names), width)]


def profile_number_block(columns: list[pd.Series], finite: Finite) -> dict[str, dict | None]:
    """Per column name, the profile's fields as a dict, or None when `profile_column` must do it."""
    names = [column.name for column in columns]
    rows = len(columns[0]) if columns else 0
    if rows == 0:
        return dict.fromkeys(names)
    # Column-major, so that sorting and every pass below walk each column contiguously (three
    # times faster than sorting the frame's row-major block along its columns).
    ordered = np.empty((rows, len(names)), dtype=np.float64, order="F")
    for index, column in enumerate(columns):
        ordered[:, index] = column.to_numpy()  # a plain NumPy dtype: a view, cast as it is copied
    if rows < LONG_COLUMN_ROWS:
        ordered.sort(axis=0)  # in place; per column: -inf first, then numbers, +inf, NaN last
    else:
        for index, series in enumerate(columns):
            _put_in_order(ordered[:, index], integer_typed=series.dtype.kind in "iu")
    results: dict[str, dict | None] = {}
    for index, (name, series) in enumerate(zip(names, columns, strict=True)):
        dtype = series.dtype
        sorted_column = _SortedColumn.of(ordered[:, index], integer_typed=dtype.kind in "iu")
        count, distinct = len(sorted_column.finite), sorted_column.distinct
        needs_values = distinct <= 2 or (sorted_column.whole and distinct <= TOP_INTEGER_VALUES)
        if count == 0 or needs_values:
            results[name] = None
            continue
        low, high = float(sorted_column.finite[0]), float(sorted_column.finite[-1])
        kind = "integer" if sorted_column.whole else "numeric"
        unique_per_row = sorted_column.whole and distinct == rows >= ID_MIN_ROWS and count == rows
        if unique_per_row and (high - low + 1 == distinct or series.is_monotonic_increasing):
            kind = "id"  # a run of consecutive numbers, or sorted
        variance = sorted_column.squares / (count - 1) if count > 1 else 0.0
        results[name] = {
            "kind": kind,
            "dtype": str(dtype),
            "missing": rows - count,
            "unique": distinct,
            "distinct_ratio": finite(distinct / count),
            "stats": {
                "min": finite(low),
                "max": finite(high),
                "mean": finite(sorted_column.mean),
                "std": finite(math.sqrt(variance)) if math.isfinite(variance) else None,
                "q1": finite(_quantile(sorted_column.finite, 0.25)),
                "median": finite(_quantile(sorted_column.finite, 0.5)),
                "q3": finite(_quantile(sorted_column.finite, 0.75)),
            },
            "histogram": _histogram(sorted_column.finite, integer_bins=kind == "integer"),
        }
    return results


def _put_in_order(values: np.ndarray, integer_typed: bool) -> None:
    """Sort one contiguous float64 column in place, as `np.sort` would order it (-inf first,
    NaN last), skipping the sort where a linear pass does: a column already in order is
    left as it is, and integers of few distinct values are counted and written back in order.
    Temporaries stay a piece's size."""
    if all(bool(np.all(piece[1:] >= piece[:-1])) for piece in _pieces(values, overlap=1)):
        return  # NaN compares false: a column holding one is sorted below
    if integer_typed and (counted := _counted_integers(values)) is not None:
        low, counts = counted
        present = np.flatnonzero(counts)
        start = 0
        for offset, count in zip(present.tolist(), counts[present].tolist(), strict=True):
            values[start : start + count] = low + offset
            start += count
        return
    values.sort()


def _counted_integers(values: np.ndarray) -> tuple[float, np.ndarray] | None:
    """The column's minimum, and how often each integer from it up occurs; None when counting is not
    the cheaper way: a range wider than the column or than COUNTED_SPAN, or too many distinct
    values to write back one run at a time."""
    low, high = float(values.min()), float(values.max())  # an integer dtype has no NaN or infinity
    if not (high - low < min(len(values), COUNTED_SPAN) and max(-low, high) < _EXACT_INTEGERS):
        return None
    counts = np.zeros(int(high - low) + 1, dtype=np.int64)
    for piece in _pieces(values):
        counts += np.bincount(piece.astype(np.intp) - int(low), minlength=len(counts))
    return (low, counts) if np.count_nonzero(counts) <= MAX_COUNTED_DISTINCT else None


@dataclass(frozen=True)
class _SortedColumn:
    """One sorted column's finite values and the statistics read off them in a few passes."""

    finite: np.ndarray
    distinct: int
    whole: bool
    mean: float
    squares: float  # the sum of squared deviations from the mean

    @classmethod
    def of(cls, ordered: np.ndarray, integer_typed: bool) -> _SortedColumn:
        # Sorted, the finite values are one run: its ends by binary search, not a pass.
        start = int(np.searchsorted(ordered, -np.inf, side="right"))
        stop = int(np.searchsorted(ordered, np.inf, side="left"))
        values = ordered[start:stop]
        if not len(values):
            return cls(values, 0, False, math.nan, math.nan)
        with np.errstate(invalid="ignore", over="ignore"):
            distinct = int(np.count_nonzero(values[1:] != values[:-1])) + 1
            mean = float(values.sum() / len(values))
            # A piece at a time, so that the temporaries stay small.
            whole = integer_typed or all(bool(np.all(np.floor(piece) == piece)) for piece in _pieces(values))
            squares = math.fsum(_squared_deviations(piece, mean) for piece in _pieces(values))
        return cls(values, distinct, whole, mean, squares)


def _pieces(values: np.ndarray, overlap: int = 0) -> list[np.ndarray]:
    """Views of consecutive pieces of `values`, each reaching `overlap` values into the next."""
    return [values[start : start + _PIECE + overlap] for start in range(0, len(values), _PIECE)]


def _squared_deviations(values: np.ndarray, mean: float) -> float:
    deviations = values - mean
    deviations *= deviations
    return float(deviations.sum())  # not np.dot: BLAS would wake its threads for every piece


def _quantile(ordered: np.ndarray, q: float) -> float:
    position = q * (len(ordered) - 1)
    below = int(math.floor(position))
    low = float(ordered[below])
    high = float(ordered[min(below + 1, len(ordered) - 1)])
    return low + (high - low) * (position - below) if high != low else low


def _histogram(ordered: np.ndarray, integer_bins: bool) -> dict[str, list[float]] | None:
    low, high = float(ordered[0]), float(ordered[-1])
    if not math.isfinite(high - low):
        return None
    if integer_bins and high - low < HISTOGRAM_BINS:
        edges = np.arange(low - 0.5, high + 1.0, 1.0)
    else:
        edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
        if np.any(np.diff(edges) <= 0):
            edges = np.array([low, high])
    cuts = np.concatenate(([0], np.searchsorted(ordered, edges[1:-1], side="left"), [len(ordered)]))
    return {"edges": edges.tolist(), "counts": np.diff(cuts).tolist()}
