"""What a column holds: its distinct values with counts, and the kind a person would call it.

Kinds, decided in this order (the first rule that applies wins):

- constant: at most one distinct non-missing value (an all-missing column is constant too).
- boolean: a true/false dtype, numbers that are only 0 and 1, or text with exactly two values
  forming a yes/no pair (true/false, yes/no, y/n, t/f, 1/0, on/off, and ja/nein, oui/non,
  si/no, sí/no, vrai/faux, wahr/falsch) in any case ("Yes"/"No").
  "yes", "YES" and "no" are three values, so categorical: the user sees and decides.
- id: unique on every row with nothing missing, in a table of at least `ID_MIN_ROWS` rows,
  and either integers forming a sequence (sorted, or a shuffled run of consecutive numbers)
  or short text without spaces (codes, keys, UUIDs).
- integer: numbers that are all whole. A few distinct values in a large table is still
  "integer"; `distinct_ratio` (distinct / non-missing) lets the builder offer it as categories.
- numeric: other numbers.
- datetime: text whose values all parse as dates with one format: ISO 8601 (with or without a
  time), then month-first "%m/%d/%Y", then day-first "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", each
  optionally followed by " %H:%M" or " %H:%M:%S". Ambiguous dates read month-first.
- text: free-form strings: mostly distinct (ratio at least `TEXT_MIN_DISTINCT_RATIO`) and long
  or wordy (on average at least `TEXT_MIN_LENGTH` characters or `TEXT_MIN_WORDS` words), or
  several words different on every row (names, notes).
- categorical: any other text.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, get_args

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from app.data.arrow_columns import arrow_text, iso_instants

# What a column holds, as profiled and stored; the builder, the encoders and the JSON
# contract name kinds from here.
ColumnKind = Literal["constant", "boolean", "id", "integer", "numeric", "datetime", "text", "categorical"]
COLUMN_KINDS: tuple[ColumnKind, ...] = get_args(ColumnKind)

ID_MIN_ROWS = 20
TEXT_MIN_DISTINCT_RATIO = 0.5
TEXT_MIN_LENGTH = 30
TEXT_MIN_WORDS = 4
_SAMPLE = 1000
BOOLEAN_PAIRS = (
    {"true", "false"},
    {"yes", "no"},
    {"y", "n"},
    {"t", "f"},
    {"1", "0"},
    {"on", "off"},
    {"ja", "nein"},
    {"oui", "non"},
    {"si", "no"},
    {"sí", "no"},
    {"vrai", "faux"},
    {"wahr", "falsch"},
)
DATE_FORMATS = tuple(
    f"{date}{time}"
    for date in ("ISO8601", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
    for time in ("", " %H:%M", " %H:%M:%S")
    if date != "ISO8601" or not time  # ISO 8601 covers its own times
)
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


@dataclass
class Distinct:
    """The distinct non-missing values of a column and how often each occurs.

    Numbers come sorted ascending; text comes in order of first appearance, as a NumPy object
    array, or as an Arrow array for Arrow-backed text (no Python string per distinct value).
    """

    values: np.ndarray | pa.Array
    counts: np.ndarray
    missing: int
    numeric: bool
    whole: bool = False
    dates: pd.Series | None = None  # the values parsed as dates, when the kind is datetime

    @property
    def present(self) -> int:
        return int(self.counts.sum())

    @cached_property
    def cumulative(self) -> np.ndarray:
        """How many values are at or below each distinct value (numbers only)."""
        return np.cumsum(self.counts)


def distinct_values(column: pd.Series, counted: pa.StructArray | None = None) -> Distinct:
    """`counted`: the column's Arrow value counts, when reading already took them."""
    dtype = column.dtype
    integers = isinstance(dtype, np.dtype) and dtype.kind in "iu" and len(column) > 0
    if integers and (counted := _distinct_small_integers(column.to_numpy())) is not None:
        return counted
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        ordered = np.sort(column.to_numpy(dtype=np.float64, na_value=np.nan))
        # Sorted, -inf comes first and +inf then NaN last: trim them (infinities count as
        # missing, as when a file is read) without another pass over the values.
        start = int(np.searchsorted(ordered, -np.inf, side="right"))
        stop = int(np.searchsorted(ordered, np.inf, side="left"))
        present = ordered[start:stop]
        return _distinct_numbers(present, missing=len(ordered) - len(present))
    if counted is not None or (array := arrow_text(column)) is not None:
        counted = counted if counted is not None else pc.value_counts(array)
        values, counts = counted.field("values"), counted.field("counts").to_numpy()
        present = pc.is_valid(values)
        missing = 0
        if not pc.all(present).as_py():
            mask = present.to_numpy(zero_copy_only=False)
            values, counts, missing = values.filter(present), counts[mask], int(counts[~mask].sum())
        # Text of ISO dates is counted as instants (`count_values`): the dates are those values.
        dates = pd.Series(values.to_numpy()) if pa.types.is_timestamp(values.type) else None
        return Distinct(values, counts, missing, False, dates=dates)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        column = column.dt.strftime("%Y-%m-%dT%H:%M:%S")
    elif not pd.api.types.is_string_dtype(dtype) or getattr(dtype, "kind", "") == "O":
        column = column.astype("str")
    values = column.to_numpy()  # the object array behind pandas' string column, not a copy
    if values.dtype != object:
        values = values.astype(object)
    codes, uniques = pd.factorize(values)  # missing values get code -1
    counts = np.bincount(codes + 1, minlength=len(uniques) + 1)
    return Distinct(np.asarray(uniques, dtype=object), counts[1:], int(counts[0]), False)


def _distinct_small_integers(integers: np.ndarray) -> Distinct | None:
    """Count integers by offset from the minimum: one pass, no sort. None for a wide range."""
    low, high = int(integers.min()), int(integers.max())
    if high - low > 2 * len(integers) + 1024:
        return None
    counts = np.bincount(integers - low)
    present = np.flatnonzero(counts)
    values = (present + low).astype(np.float64)
    return Distinct(values, counts[present], 0, True, whole=True)


def _distinct_numbers(ordered: np.ndarray, missing: int) -> Distinct:
    if not len(ordered):
        return Distinct(ordered, np.array([], dtype=np.int64), missing, True, whole=False)
    starts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1))
    counts = np.diff(np.append(starts, len(ordered)))
    values = ordered[starts]
    whole = bool(np.all(values == np.floor(values)))
    return Distinct(values, counts, missing, True, whole=whole)


def infer_kind(column: pd.Series, distinct: Distinct) -> ColumnKind:
    rows = len(column)
    if len(distinct.values) <= 1:
        return "constant"
    if _is_boolean(column, distinct):
        return "boolean"
    unique_per_row = distinct.missing == 0 and len(distinct.values) == rows >= ID_MIN_ROWS
    if distinct.numeric:
        if unique_per_row and distinct.whole and _is_sequence(column, distinct):
            return "id"
        return "integer" if distinct.whole else "numeric"
    if distinct.dates is None:
        distinct.dates = parse_date_values(distinct.values)
    if distinct.dates is not None:
        return "datetime"
    lengths, words = _text_shape(distinct.values)
    if unique_per_row and words <= 1.0 and lengths < TEXT_MIN_LENGTH:
        return "id"
    mostly_distinct = len(distinct.values) >= TEXT_MIN_DISTINCT_RATIO * distinct.present
    if mostly_distinct and (lengths >= TEXT_MIN_LENGTH or words >= TEXT_MIN_WORDS):
        return "text"
    if unique_per_row:
        return "text"  # several words, different on every row: names, notes
    return "categorical"


def _is_boolean(column: pd.Series, distinct: Distinct) -> bool:
    if pd.api.types.is_bool_dtype(column.dtype):
        return True
    if len(distinct.values) != 2:
        return False
    if distinct.numeric:
        return set(distinct.values.tolist()) == {0.0, 1.0}
    tokens = {str(value).lower() for value in head_values(distinct.values, 2)}
    return tokens in BOOLEAN_PAIRS


def _is_sequence(column: pd.Series, distinct: Distinct) -> bool:
    span = distinct.values[-1] - distinct.values[0] + 1
    return bool(span == len(distinct.values) or column.is_monotonic_increasing)


def head_values(values: np.ndarray | pa.Array, count: int) -> np.ndarray:
    """The first `count` distinct values as a NumPy object array."""
    if isinstance(values, pa.Array):
        return np.array(values.slice(0, count).to_pylist(), dtype=object)
    return values[:count]


def _text_shape(values: np.ndarray | pa.Array) -> tuple[float, float]:
    """Mean length and mean word count of (a sample of) the distinct values."""
    sample = pd.Series(head_values(values, _SAMPLE), dtype="str")
    return float(sample.str.len().mean()), float(sample.str.count(r"\S+").mean())


def parse_date_values(values: np.ndarray | pa.Array) -> pd.Series | None:
    """These text values as dates, if they all parse with one format; otherwise None."""
    sample = head_values(values, _SAMPLE)
    if not all(_DATE_LIKE.match(str(value)) for value in sample):
        return None
    for fmt in DATE_FORMATS:
        if parse_dates(sample, fmt).isna().any():
            continue
        if fmt == "ISO8601" and (dates := _parse_iso_quickly(values)) is not None:
            return dates
        if len(values) <= len(sample):
            dates = parse_dates(sample, fmt)
        else:
            dates = parse_dates(head_values(values, len(values)), fmt)
        if not dates.isna().any():
            return dates
    return None


def _parse_iso_quickly(values: np.ndarray | pa.Array) -> pd.Series | None:
    """NumPy's ISO 8601 parser, a few times faster than pandas'; None if it cannot be sure
    (a time zone, an unusual spelling): pandas then decides. Arrow text is first cast by
    Arrow's own ISO 8601 parser, with no Python string per value, when it can."""
    if isinstance(values, pa.Array):
        if (dates := _cast_iso(values)) is not None:
            return dates
        values = head_values(values, len(values))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = np.array(values, dtype="datetime64[us]")
    except (ValueError, TypeError, OverflowError, Warning):
        return None
    return None if np.isnat(parsed).any() else pd.Series(parsed)


def _cast_iso(values: pa.Array) -> pd.Series | None:
    instants = iso_instants(values)
    return None if instants is None else pd.Series(instants.to_numpy(zero_copy_only=False))


def parse_dates(values: np.ndarray, fmt: str) -> pd.Series:
    text = pd.Series(values, dtype=object)
    try:
        return pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError:  # different UTC offsets: compare them as UTC
        return pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
