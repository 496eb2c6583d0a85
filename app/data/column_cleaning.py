"""Turn the columns pandas parsed into the values a person meant.

Decisions, applied the same way at upload and whenever a stored file is re-read:

- Text values are stripped of surrounding spaces and tabs (`PADDING`, the whitespace the record
  scan looks for); a value that is only spaces is missing. Line breaks inside quotes are data.
- Text columns whose every value is a number written with thousands separators or a decimal
  comma ("1,234,567", "1.234.567,5", "3,14") become numbers, with a notice. A column whose
  values fit both conventions ("1,234" could be 1234 or 1.234) follows the convention other
  columns of the file use unambiguously; with no such evidence it stays text, with a notice.
- Infinite values ("inf", "-inf", "Infinity") and numbers beyond float64 ("1e999", which parse
  as infinity) are treated as missing, with a notice naming the column and the count: no
  encoder or network can use them, and a missing value is something the user can see and impute.
- Integers beyond the int64 range ("99999999999999999999") keep the column as text, exactly as
  written, with a notice: such numbers are almost always identifiers, and float64 would silently
  round them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from app.data.arrow_columns import ValueCounts, arrow_text, is_padded, known_counts
from app.data.csv_options import NumberFormat

ENGLISH = NumberFormat(thousands=",", decimal=".")
EUROPEAN = NumberFormat(thousands=".", decimal=",")
_PATTERNS = {
    ENGLISH: re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"),
    EUROPEAN: re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"),
}
PADDING = " \t"
PLAIN = NumberFormat(thousands=None, decimal=".")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PLAIN_INTEGER = re.compile(r"[+-]?\d+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_NUMBER_LIKE = re.compile(r"[+-]?[\d.,]+(?:[eE][+-]?\d+)?")
_HEAD_VALUES = 2000
_SAMPLE_UNIQUES = 1000


def _numeric_candidates(frame: pd.DataFrame, skip: list[str] | None = None) -> list[str]:
    """Text columns whose first values all look like numbers: a cheap filter before full checks."""
    names = []
    for name in text_column_names(frame):
        column = frame[name]
        if name not in (skip or []):
            head = column.iloc[:_HEAD_VALUES].dropna()
            if all(map(_NUMBER_LIKE.fullmatch, head)):
                names.append(name)
    return names


def _distinct_text(column: pd.Series) -> np.ndarray:
    # A plain object array: iterating pandas' string array is ten times slower.
    return pd.unique(column.dropna().to_numpy(dtype=object))


@dataclass
class Cleaning:
    number_formats: dict[str, NumberFormat] = field(default_factory=dict)
    text_columns: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def is_text(column: pd.Series) -> bool:
    return is_text_dtype(column.dtype)


def is_text_dtype(dtype: object) -> bool:
    return pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)


def text_column_names(frame: pd.DataFrame) -> list:
    """Text columns, decided on the dtypes alone: taking each column out of a wide frame costs more."""
    return [name for name, dtype in frame.dtypes.items() if is_text_dtype(dtype)]


def strip_text(frame: pd.DataFrame, names: list[str] | None = None, counted: ValueCounts | None = None) -> None:
    """`counted`: text columns' value counts taken while reading: padding is then looked for
    among the distinct values, not every value."""
    for name in text_column_names(frame) if names is None else names:
        column = frame[name]
        array = arrow_text(column)
        if array is not None and not _may_be_padded(array, known_counts(counted, str(name), column)):
            continue  # nothing to strip, and no empty value: a whole-column check, no copy
        if is_text(column):
            stripped = column.str.strip(PADDING)
            frame[name] = stripped.mask(stripped == "")


def _may_be_padded(array: pa.ChunkedArray, counts: pa.StructArray | None) -> bool:
    if counts is None:
        return is_padded(array)
    values = counts.field("values")
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return False  # ISO dates counted as instants: none is padded or empty
    return is_padded(values)


def convert_large_integers(frame: pd.DataFrame, text_columns: list[str]) -> None:
    for name in text_columns:
        frame[name] = frame[name].astype("str")


def find_large_integer_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of integers that pandas could not hold in int64 (text) or held only in uint64."""
    found = {name for name, dtype in frame.dtypes.items() if dtype == np.uint64}
    for name in _numeric_candidates(frame):
        values = _distinct_text(frame[name])
        integers = len(values) and all(map(_PLAIN_INTEGER.fullmatch, values))
        if integers and any(not _INT64_MIN <= int(value) <= _INT64_MAX for value in values):
            found.add(name)
    return [name for name in frame.columns if name in found]


def _formats_matching(values: np.ndarray) -> list[NumberFormat]:
    sample = values[:_SAMPLE_UNIQUES]
    formats = [fmt for fmt, pattern in _PATTERNS.items() if all(map(pattern.fullmatch, sample))]
    if len(values) > len(sample):
        formats = [fmt for fmt in formats if all(map(_PATTERNS[fmt].fullmatch, values))]
    return formats


def _describe(fmt: NumberFormat) -> str:
    example = "1,234.5" if fmt == ENGLISH else "1.234,5"
    return f'thousands "{fmt.thousands}", decimal "{fmt.decimal}" as in {example}'


def detect_number_formats(frame: pd.DataFrame, skip: list[str], notices: list[str]) -> dict:
    """Which text columns hold numbers with separators, and how they are written."""
    clear: dict[str, NumberFormat] = {}
    ambiguous: list[str] = []
    for name in _numeric_candidates(frame, skip):
        values = _distinct_text(frame[name])
        if not len(values):
            continue
        if all(map(_PLAIN_NUMBER.fullmatch, values)):
            clear[name] = PLAIN  # numbers pandas saw as text only because of padding
            continue
        formats = _formats_matching(values)
        if len(formats) == 1:
            clear[name] = formats[0]
        elif len(formats) == 2:
            ambiguous.append(name)
    conventions = set(clear.values()) - {PLAIN}
    for name in ambiguous:
        if len(conventions) == 1:
            clear[name] = next(iter(conventions))
        else:
            example = next(v for v in _distinct_text(frame[name]) if "," in v or "." in v)
            notices.append(
                f'Column "{name}" looks numeric but "{example}" could mean two different '
                "numbers (thousands or decimal separator), so it was kept as text."
            )
    for name, fmt in clear.items():
        if fmt != PLAIN:
            notices.append(f'Column "{name}" was read as numbers written with {_describe(fmt)}.')
    return {name: clear[name] for name in frame.columns if name in clear}


def convert_number_formats(frame: pd.DataFrame, formats: dict[str, NumberFormat]) -> None:
    for name, fmt in formats.items():
        text = frame[name]
        if fmt.thousands:
            text = text.str.replace(fmt.thousands, "", regex=False)
        if fmt.decimal != ".":
            text = text.str.replace(fmt.decimal, ".", regex=False)
        frame[name] = pd.to_numeric(text)


def infinite_to_missing(frame: pd.DataFrame, notices: list[str] | None) -> None:
    floats = [name for name, dtype in frame.dtypes.items() if isinstance(dtype, np.dtype) and dtype.kind == "f"]
    if not floats or not frame.columns.is_unique:
        return
    # The largest and smallest values, NaN skipped, tell whether a column holds an infinity:
    # two reductions over the column as it is, no copy and no mask.
    with_infinities = [name for name in floats if _holds_infinity(frame[name].to_numpy())]
    for name in with_infinities:
        column = frame[name]
        infinite = np.isinf(column.to_numpy())
        count = int(infinite.sum())
        frame[name] = column.mask(infinite)
        if notices is not None:
            noun = "value" if count == 1 else "values"
            notices.append(
                f'Column "{name}": {count:,} infinite or too-large {noun} (such as inf '
                "or 1e999) treated as missing."
            )


def _holds_infinity(values: np.ndarray) -> bool:
    return bool(len(values)) and (np.fmax.reduce(values) == np.inf or np.fmin.reduce(values) == -np.inf)


def clean_frame(frame: pd.DataFrame, strip: bool, counted: ValueCounts | None = None) -> Cleaning:
    """Detect and apply every conversion in place; the result records them for `reapply`.
    `counted`: text columns' value counts taken while reading."""
    cleaning = Cleaning()
    if strip:
        strip_text(frame, counted=counted)
    cleaning.text_columns = find_large_integer_columns(frame)
    for name in cleaning.text_columns:
        cleaning.notices.append(f'Column "{name}" holds integers too large for 64-bit numbers, so it was kept as text.')
    convert_large_integers(frame, cleaning.text_columns)
    cleaning.number_formats = detect_number_formats(frame, cleaning.text_columns, cleaning.notices)
    convert_number_formats(frame, cleaning.number_formats)
    infinite_to_missing(frame, cleaning.notices)
    return cleaning


def reapply(frame: pd.DataFrame, cleaning: Cleaning) -> None:
    strip_text(frame)
    convert_large_integers(frame, cleaning.text_columns)
    convert_number_formats(frame, cleaning.number_formats)
    infinite_to_missing(frame, None)
