"""Parse a CSV with Arrow's multithreaded reader into the frame pandas' C parser would give.

Arrow parses and converts blocks of the file on every core; its typing differs from pandas'
in a few places, settled here on whole columns, never per cell in Python:

- Dates, times and timestamps stay text (profiling decides what is a date): the head is read
  first, so columns it shows as temporal are read as text at once; one that turns temporal
  later is re-read as text.
- "NaN" and its spellings are numbers to Arrow but text to pandas (and a missing-value token
  with a notice to LayerLab); integers written with a sign ("+5") or beyond 64 bits are
  floats to Arrow. Such float columns are re-read as text and typed as pandas types them.
- true/false with missing values become pandas' nullable "boolean"; an all-empty column is
  float64, as pandas reads it.

Only empty cells are missing here, as with pandas' `na_values=[""]`: tokens ("NA", "?") are
decided afterwards by `missing_tokens`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from app.data.csv_options import ReadOptions

_TRUE = ["True", "TRUE", "true"]  # pandas' C parser's spellings
_FALSE = ["False", "FALSE", "false"]
_INTEGER = r"^[ \t]*[+-]?\d+[ \t]*$"
_INT64_LIMIT = 2.0**63
BLOCK_BYTES = 4 << 20  # Arrow parses blocks of this size in parallel
LARGEST_BLOCK_BYTES = 1 << 30  # for a record longer than a block (a very wide row, a long quoted text)
_ARROW_ENCODINGS = {"utf-8": "utf8", "utf-8-sig": "utf8"}  # Arrow skips a UTF-8 BOM itself


class ArrowRowError(Exception):
    """A record Arrow could not take (a field count that differs from the header's, a broken
    quote): the record scan finds it again and names its line."""


class _TypeHintError(Exception):
    """A column did not hold the type the file's head showed."""


class NotUtf8Error(Exception):
    """Bytes that are not UTF-8 in a file read as UTF-8: the caller picks a fallback encoding."""


@dataclass
class ArrowRead:
    frame: pd.DataFrame


def read_with_arrow(path: Path, options: ReadOptions, newlines_in_values: bool) -> ArrowRead:
    """Raises ArrowRowError for a record that does not fit, NotUtf8Error for bytes that are not
    UTF-8 (and not an encoding that transcodes them)."""
    skip = leading_blank_lines(path, options)
    head = _head_types(path, options, skip, newlines_in_values)
    try:
        table = _read(path, options, skip, newlines_in_values, head)
    except _TypeHintError:  # a column the head showed as numbers or true/false holds more
        text_only = {name: kind for name, kind in head.items() if pa.types.is_string(kind)}
        table = _read(path, options, skip, newlines_in_values, text_only)
    names = table.column_names
    retext = [name for name in names if _needs_text(table.column(name))]
    if retext:
        text = _read(path, options, skip, newlines_in_values, dict.fromkeys(retext, pa.string()), only=retext)
        for name in retext:
            table = table.set_column(names.index(name), name, _pandas_typed(table.column(name), text.column(name)))
    if any(pa.types.is_binary(field.type) for field in table.schema):
        raise NotUtf8Error
    table = table.rename_columns(options.columns)
    frame = _to_pandas(table)
    del table
    pa.default_memory_pool().release_unused()  # the parse's buffers, back to the system now
    return ArrowRead(frame)


def leading_blank_lines(path: Path, options: ReadOptions) -> int:
    """Physical lines before the header that hold only spaces, tabs or nothing (pandas skips
    them; Arrow would take the first for the header)."""
    if options.encoding.startswith(("utf-16", "utf-32")):
        return 0  # read through a transcoder, and sniffed without leading lines
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    count = 0
    for line in head.removeprefix(b"\xef\xbb\xbf").split(b"\n")[:-1]:
        if line.strip(b" \t\r"):
            break
        count += 1
    return count


def _skip_blank_lines(row: pacsv.InvalidRow) -> str:
    """Arrow's invalid-row handler: a line of spaces or tabs is skipped (`csv_survey` counts
    it); anything else is an error the record scan explains with its line number."""
    return "skip" if row.actual_columns == 1 and not row.text.strip(" \t\r\n") else "error"


def _read(
    path: Path | io.BytesIO,
    options: ReadOptions,
    skip: int,
    newlines_in_values: bool,
    column_types: dict[str, pa.DataType],
    only: list[str] | None = None,
    block_size: int | None = None,
) -> pa.Table:
    block_size = block_size or BLOCK_BYTES
    read_options = pacsv.ReadOptions(
        encoding=_ARROW_ENCODINGS.get(options.encoding, options.encoding),
        skip_rows=skip,
        column_names=None if options.has_header else options.columns,
        block_size=block_size,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=options.delimiter,
        quote_char=options.quotechar,
        double_quote=True,
        newlines_in_values=newlines_in_values,
        invalid_row_handler=_skip_blank_lines,
    )
    convert_options = pacsv.ConvertOptions(
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        true_values=_TRUE,
        false_values=_FALSE,
        column_types=column_types,
        include_columns=only,
    )
    source = path if isinstance(path, io.BytesIO) else str(path)
    try:
        return pacsv.read_csv(source, read_options, parse_options, convert_options)
    except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
        if "invalid UTF8" in str(exc):  # a column read as text from the start
            raise NotUtf8Error from None
        if "CSV conversion error" in str(exc):
            raise _TypeHintError from None
        if "straddl" in str(exc) and block_size < LARGEST_BLOCK_BYTES:  # a record longer than a block
            return _read(path, options, skip, newlines_in_values, column_types, only, LARGEST_BLOCK_BYTES)
        raise ArrowRowError(str(exc)) from None


def _head_types(path: Path, options: ReadOptions, skip: int, newlines_in_values: bool) -> dict[str, pa.DataType]:
    """The column types the first megabyte shows, dates and times as text: given to Arrow for
    the whole file, which spares it trying type after type on every block. A column later
    holding more (text among numbers) fails the conversion, and the file is read again with
    only the text columns given (Arrow only ever widens a type towards text, and a column
    wrongly given as text is harmless: text is what it ends as unless it holds only dates)."""
    if options.encoding.startswith(("utf-16", "utf-32")):
        return {}
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    head = head[: head.rfind(b"\n") + 1]
    if not head:
        return {}
    try:
        table = _read(io.BytesIO(head), options, skip, newlines_in_values, {})
    except (ArrowRowError, _TypeHintError, NotUtf8Error):
        return {}
    types = {}
    for field in table.schema:
        if pa.types.is_temporal(field.type) or pa.types.is_string(field.type):
            types[field.name] = pa.string()
        elif pa.types.is_integer(field.type) or pa.types.is_floating(field.type) or pa.types.is_boolean(field.type):
            types[field.name] = field.type
    return types


_WHOLE_CHECK_HEAD = 4096


def _needs_text(column: pa.ChunkedArray) -> bool:
    """Is this a column pandas would not have typed as Arrow did? Decided on Arrow's chunks
    with a count of NaNs and a min/max (no copy of the column), except in the rare cases the
    answer needs the values: infinities, or whole numbers and nothing missing."""
    kind = column.type
    if pa.types.is_temporal(kind):
        return True
    if not pa.types.is_floating(kind) or len(column) == column.null_count:
        return False
    if pc.sum(pc.is_nan(column)).as_py():
        return True  # "NaN", "nan": text to pandas (a missing value is null, not NaN, here)
    low, high = (value.as_py() for value in pc.min_max(column).values())
    if not (np.isfinite(low) and np.isfinite(high)):
        return _needs_text_with_infinities(column.to_numpy())
    if max(-low, high) >= _INT64_LIMIT:
        return True  # perhaps integers too large for 64 bits: pandas keeps their digits
    if column.null_count:
        return False
    # Whole numbers and nothing missing: perhaps integers written "+5", int64 to pandas.
    head = column.slice(0, _WHOLE_CHECK_HEAD).to_numpy()  # fractions show in the first values
    if not np.all(head == np.floor(head)):
        return False
    values = column.to_numpy()
    return bool(np.all(values == np.floor(values)))


def _needs_text_with_infinities(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return False
    return bool(max(-finite.min(), finite.max()) >= _INT64_LIMIT)


def _pandas_typed(parsed: pa.ChunkedArray, text: pa.ChunkedArray) -> pa.ChunkedArray:
    """The type pandas' C parser gives a column Arrow read as `parsed`, from its `text`."""
    if pa.types.is_temporal(parsed.type) or (pa.types.is_floating(parsed.type) and pc.any(pc.is_nan(parsed)).as_py()):
        return text
    integers = pc.all(pc.match_substring_regex(pc.drop_null(text), _INTEGER)).as_py()
    if not integers:
        return parsed
    finite = pc.filter(parsed, pc.is_finite(parsed))
    if len(finite) and pc.max(pc.abs(finite)).as_py() >= _INT64_LIMIT:
        return text  # integers beyond int64: kept as written (`column_cleaning` says so)
    return pc.cast(pc.utf8_ltrim(pc.utf8_trim(text, " \t"), "+"), pa.int64())  # one sign at most


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """pandas' dtypes: an all-empty column is float64, true/false with gaps nullable "boolean"."""
    for index, column in enumerate(table.columns):
        if pa.types.is_null(column.type):
            table = table.set_column(index, table.field(index).name, pc.cast(column, pa.float64()))
    complete_booleans = [
        field.name
        for field, column in zip(table.schema, table.columns, strict=True)
        if pa.types.is_boolean(field.type) and column.null_count == 0
    ]
    frame = table.to_pandas(split_blocks=True, self_destruct=True, types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    for name in complete_booleans:
        frame[name] = frame[name].to_numpy(dtype=bool)
    return frame
