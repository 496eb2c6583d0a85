"""Text columns as the Arrow arrays pandas keeps them in, and a few whole-column checks on them.

pandas' "str" columns are Arrow string arrays: handing them to pyarrow.compute costs nothing,
while `to_numpy()` builds a Python string per cell. Counting, matching and masking text
therefore happens here, on the Arrow data.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_SPACE, _TAB = 32, 9

# A text column's distinct values and counts (Arrow's `value_counts`), keyed by column name
# with the pandas array they were counted on: reading counts each text column once to find
# missing-value tokens, and profiling reuses the count while the column is that same array.
ValueCounts = dict[str, tuple[object, pa.StructArray]]


def known_counts(counted: ValueCounts | None, name: str, column: pd.Series) -> pa.StructArray | None:
    entry = (counted or {}).get(name)
    return entry[1] if entry is not None and entry[0] is column.array else None


def count_values(arrays: dict[str, pa.ChunkedArray]) -> dict[str, pa.StructArray]:
    """Each array's value counts (`values`, `counts`), several at once: Arrow counts outside
    the GIL, one core per column. A column of mostly distinct ISO dates and times is counted as
    instants, its `values` then timestamps: sorting 8-byte numbers costs a fraction of hashing
    a million strings."""
    if len(arrays) < 2:
        return {name: _value_counts(array) for name, array in arrays.items()}
    with ThreadPoolExecutor(max_workers=min(len(arrays), os.cpu_count() or 1)) as pool:
        return dict(zip(arrays, pool.map(_value_counts, arrays.values()), strict=True))


def _value_counts(array: pa.ChunkedArray) -> pa.StructArray:
    head = array.slice(0, _REPEATS_HEAD)
    mostly_distinct = pc.count_distinct(head).as_py() > len(head) // 2
    if mostly_distinct and (instants := iso_instants(array)) is not None:
        return _count_sorted(instants)  # timestamps, mostly distinct: no hash table of strings
    return pc.value_counts(array)


_REPEATS_HEAD = 16_384
_ISO_HEAD = 64


def iso_instants(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray | None:
    """Text values as timestamps (microseconds) if every present one is an ISO 8601 date,
    optionally with a time ("Thh", " hh:mm", "Thh:mm:ss.ffffff") and without a zone; else None.
    Arrow's cast is the check: it refuses a zone, an unpadded or impossible date and more than
    six fraction digits, and NumPy and pandas read what it accepts as the same instants."""
    head = pc.drop_null(values.slice(0, _ISO_HEAD))
    if not len(head) or not pc.all(pc.match_substring_regex(head, r"^\d{4}-\d{2}-\d{2}")).as_py():
        return None  # not dates: spare the cast of the whole column
    try:
        instants = pc.cast(values, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return instants if instants.null_count == values.null_count else None


def _count_sorted(instants: pa.Array | pa.ChunkedArray) -> pa.StructArray:
    """`value_counts` of timestamps, by sorting (values ascending, missing ones last)."""
    present = pc.drop_null(instants)
    ordered = np.sort(present.to_numpy().view(np.int64)) if len(present) else np.empty(0, np.int64)
    starts = np.flatnonzero(np.diff(ordered, prepend=ordered[:1] - 1)) if len(ordered) else np.empty(0, np.intp)
    counts = np.diff(np.append(starts, len(ordered)))
    values = pa.array(ordered[starts], type=pa.int64()).cast(pa.timestamp("us"))
    missing = len(instants) - len(present)
    if missing:
        values = pa.concat_arrays([values, pa.nulls(1, pa.timestamp("us"))])
        counts = np.append(counts, missing)
    return pa.StructArray.from_arrays([values, pa.array(counts, type=pa.int64())], names=["values", "counts"])


def arrow_text(column: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow data behind a text column (its chunks as read: no copy), or None when it is
    not Arrow-backed text."""
    dtype = column.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    chunked = column.array.__arrow_array__()
    return chunked if pa.types.is_large_string(chunked.type) or pa.types.is_string(chunked.type) else None


def text_series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """A pandas "str" column holding `array`, without a Python object per value."""
    chunked = array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])
    series = chunked.to_pandas()
    series.index = index
    return series


def is_padded(array: pa.Array | pa.ChunkedArray) -> bool:
    """Does any value start or end with a space or tab, or is any value empty? Read off the
    first and last byte of each value (UTF-8 never puts these bytes inside a character)."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        offset_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[chunk.offset : chunk.offset + len(chunk) + 1]
        if data_buffer is None:  # only empty values or missing ones
            if len(chunk) > chunk.null_count:
                return True
            continue
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        if np.count_nonzero(filled) < len(chunk) - chunk.null_count:
            return True  # an empty value (missing ones have no bytes either)
        first = data[starts[filled]]
        last = data[ends[filled] - 1]
        if np.any((first == _SPACE) | (first == _TAB) | (last == _SPACE) | (last == _TAB)):
            return True
    return False
