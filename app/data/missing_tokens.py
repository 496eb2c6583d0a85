"""Which written values mean "missing": empty cells always, marker tokens depending on the column.

By default (no choice made for the dataset) a token such as "NA" or "?" is missing only in a
column whose other values are numbers or true/false: there it cannot be a value. In a text
column the same token may be a real category (a house with no masonry veneer has veneer type
"None"), so it stays a value and the profile asks the person (`token_like_values`).

Once a person chooses the tokens for a dataset, exactly those are missing, in every column.
Tokens compare trimmed of spaces and tabs, case-insensitively.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from app.data.arrow_columns import ValueCounts, arrow_text, count_values, text_series

DEFAULT_MISSING_TOKENS = (
    "NA",
    "N/A",
    "NaN",
    "null",
    "None",
    "nil",
    "missing",
    "?",
    "-",
    "--",
    "#N/A",
    "<NA>",
)
MAX_TOKENS = 50
MAX_TOKEN_LENGTH = 40
_PADDING = " \t"
_NUMBER_LIKE = re.compile(r"[+-]?[\d.,]+(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)", re.IGNORECASE)
_BOOLEANS = {"true": True, "false": False}
# The same patterns for Arrow's RE2 (\p{Nd} is what Python's \d matches in text).
_NUMBER_LIKE_RE2 = r"(?i)^(?:[+-]?[\p{Nd}.,]+(?:e[+-]?\p{Nd}+)?|[+-]?(?:inf|infinity))$"
_PLAIN_NUMBER_RE2 = r"(?i)^(?:[+-]?(?:\p{Nd}+\.?\p{Nd}*|\.\p{Nd}+)(?:e[+-]?\p{Nd}+)?|[+-]?(?:inf|infinity))$"

TokenCounts = dict[str, dict[str, int]]


def token_key(value: str) -> str:
    return value.strip(_PADDING).casefold()


def apply_tokens(frame: pd.DataFrame, tokens: list[str] | None, counted: ValueCounts | None = None) -> TokenCounts:
    """Turn marker tokens into missing values in place; return, per column, each token's count.

    `tokens` None is the default rule (above); a list is the person's choice for every column.
    A text column left holding only plain numbers or true/false values becomes numbers or
    booleans; one holding numbers with separators stays text for `column_cleaning`.
    `counted` collects the value counts of Arrow text columns left as they were.
    """
    keys = {token_key(token) for token in (DEFAULT_MISSING_TOKENS if tokens is None else tokens)}
    found: TokenCounts = {}
    if not keys:
        return found
    numeric_tokens = _numeric_tokens(tokens or [])
    texts = [name for name, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    arrays = {name: array for name in texts if (array := arrow_text(frame[name])) is not None}
    all_counts = count_values(arrays)
    for name, dtype in frame.dtypes.items():
        if numeric_tokens and _is_number_dtype(dtype):
            if counts := _mask_numbers(frame, str(name), numeric_tokens):
                found[str(name)] = counts
            continue
        if not (pd.api.types.is_string_dtype(dtype) or dtype == np.dtype(object)):
            continue
        column = frame[name]
        if name in arrays:
            array, value_counts = arrays[name], all_counts[name]
            if counts := _mask_arrow_text(frame, str(name), array, value_counts, keys, tokens is None):
                found[str(name)] = counts
            elif counted is not None:
                counted[str(name)] = (column.array, value_counts)
            continue
        values = column.to_numpy(dtype=object)
        codes, uniques = pd.factorize(values)
        if not len(uniques):
            continue
        uniques = np.asarray(uniques, dtype=object)
        is_token = _matches(uniques, keys)
        if not is_token.any():
            continue
        stripped = [str(value).strip(_PADDING) for value in uniques]
        rest = [text for text, token in zip(stripped, is_token, strict=True) if not token]
        numbers = bool(rest) and all(map(_NUMBER_LIKE.fullmatch, rest))
        booleans = bool(rest) and {text.casefold() for text in rest} <= _BOOLEANS.keys()
        if tokens is None and not (numbers or booleans):
            continue  # a text column: tokens may be categories; the profile asks
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        found[str(name)] = _counts_by_spelling(stripped, counts, is_token)
        masked = np.where(is_token[codes] | (codes < 0), None, values)
        plain = numbers and all(map(_PLAIN_NUMBER.fullmatch, rest))
        frame[name] = _typed(pd.Series(masked, index=column.index, dtype="str"), plain, booleans)
    return found


def _mask_arrow_text(
    frame: pd.DataFrame, name: str, array: pa.ChunkedArray, value_counts: pa.StructArray, keys: set[str], default: bool
) -> dict[str, int]:
    """`apply_tokens` for one Arrow-backed text column: the same decisions, on whole arrays."""
    uniques = value_counts.field("values").drop_null()
    if not _is_text(uniques):
        return {}  # counted as dates (`count_values`): every present value is one, none a token
    spellings = _token_values(uniques, keys)
    if not spellings:
        return {}
    token_set = pa.array(spellings, type=array.type)
    rest = pc.utf8_trim(pc.filter(uniques, pc.invert(pc.is_in(uniques, value_set=token_set))), _PADDING)
    numbers = len(rest) > 0 and pc.all(pc.match_substring_regex(rest, _NUMBER_LIKE_RE2)).as_py()
    booleans = len(rest) > 0 and pc.all(pc.match_substring_regex(rest, "(?i)^(?:true|false)$")).as_py()
    if default and not (numbers or booleans):
        return {}  # a text column: tokens may be categories; the profile asks
    is_token = pc.is_in(array, value_set=token_set)
    counted = pc.value_counts(pc.filter(array, is_token))
    by_spelling: dict[str, int] = {}
    for value, count in zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True):
        spelling = value.strip(_PADDING)
        by_spelling[spelling] = by_spelling.get(spelling, 0) + count
    masked = pc.if_else(is_token, pa.scalar(None, array.type), array)
    plain = numbers and pc.all(pc.match_substring_regex(rest, _PLAIN_NUMBER_RE2)).as_py()
    frame[name] = _typed_arrow(masked, plain, booleans, frame.index)
    return dict(sorted(by_spelling.items(), key=lambda item: -item[1]))


def _is_text(values: pa.Array) -> bool:
    return pa.types.is_string(values.type) or pa.types.is_large_string(values.type)


def _token_values(uniques: pa.Array, keys: set[str]) -> list[str]:
    """The distinct values that are tokens. Only values short enough to be one are compared;
    ASCII ones on the whole array (trimmed, lower-cased), others one by one (casefold)."""
    longest = max(map(len, keys)) + 8  # room for padding around a token
    short = pc.filter(uniques, pc.less_equal(pc.utf8_length(uniques), longest))
    ascii_keys = [key for key in keys if key.isascii()]
    is_ascii = pc.string_is_ascii(short)
    ascii_values = pc.filter(short, is_ascii)
    hits = pc.is_in(pc.utf8_lower(pc.utf8_trim(ascii_values, _PADDING)), value_set=pa.array(ascii_keys, pa.string()))
    found = pc.filter(ascii_values, hits).to_pylist()
    others = pc.filter(short, pc.invert(is_ascii)).to_pylist()
    return found + [value for value in others if token_key(value) in keys]


def _numeric_tokens(tokens: list[str]) -> dict[str, float]:
    """Chosen tokens that are numbers (sentinels such as -999), by spelling."""
    numbers = {}
    for token in tokens:
        text = token.strip(_PADDING)
        if _PLAIN_NUMBER.fullmatch(text):
            numbers[text] = float(text)
    return numbers


def _is_number_dtype(dtype: object) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _mask_numbers(frame: pd.DataFrame, name: str, tokens: dict[str, float]) -> dict[str, int]:
    values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
    counts = {}
    hit = np.zeros(len(values), dtype=bool)
    for spelling, number in tokens.items():
        equal = values == number
        if count := int(equal.sum()):
            counts[spelling] = count
            hit |= equal
    if counts:
        frame[name] = frame[name].mask(hit) if frame[name].dtype.kind == "f" else np.where(hit, np.nan, values)
    return counts


def _matches(values: np.ndarray, keys: set[str]) -> np.ndarray:
    """Which values are tokens; only values short enough to be one are trimmed and compared,
    so a column of a million distinct texts costs one `len` per value."""
    longest = max(map(len, keys)) + 8  # room for padding around a token
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    found = np.zeros(len(values), dtype=bool)
    for index in np.flatnonzero(lengths <= longest):
        found[index] = token_key(values[index]) in keys
    return found


def _counts_by_spelling(stripped: list[str], counts: np.ndarray, is_token: np.ndarray) -> dict[str, int]:
    by_spelling: dict[str, int] = {}
    for text, count, token in zip(stripped, counts, is_token, strict=True):
        if token:
            by_spelling[text] = by_spelling.get(text, 0) + int(count)
    return dict(sorted(by_spelling.items(), key=lambda item: -item[1]))


def _typed_arrow(masked: pa.ChunkedArray, plain_numbers: bool, booleans: bool, index: pd.Index) -> pd.Series:
    """`_typed` on Arrow text: values are trimmed, then cast (some tokens are missing, so
    numbers are float64, as pandas' `to_numeric` makes them)."""
    trimmed = pc.utf8_trim(masked, _PADDING)
    if plain_numbers:
        try:
            return pd.Series(pc.cast(trimmed, pa.float64()).to_numpy(zero_copy_only=False), index=index)
        except pa.ArrowInvalid:  # a spelling Arrow does not read: pandas decides
            return _typed(text_series(masked, index), plain_numbers, booleans)
    if booleans:
        lowered = pc.utf8_lower(trimmed)
        return pd.Series(pd.BooleanDtype().__from_arrow__(pc.equal(lowered, "true")), index=index)
    return text_series(masked, index)


def _typed(column: pd.Series, plain_numbers: bool, booleans: bool) -> pd.Series:
    if plain_numbers:
        return pd.to_numeric(column.str.strip(_PADDING))
    if booleans:
        return column.str.strip(_PADDING).str.casefold().map(_BOOLEANS).astype("boolean")
    return column


def describe_counts(counts: dict[str, int]) -> str:
    return ", ".join(f'"{token}" ({count:,})' for token, count in counts.items())


def missing_notice(name: str, counts: dict[str, int]) -> str:
    total = sum(counts.values())
    noun = "value" if total == 1 else "values"
    return f'Column "{name}": {total:,} {noun} read as missing: {describe_counts(counts)}.'


def column_note(counts: dict[str, int]) -> str:
    return f"Read as missing: {describe_counts(counts)}."


def token_like_values(values: np.ndarray | pa.Array, counts: np.ndarray, chosen: list[str] | None) -> list[str]:
    """Notes for text values that look like missing markers but were kept as values."""
    keys = {token_key(token) for token in DEFAULT_MISSING_TOKENS}
    if chosen is not None:
        keys -= {token_key(token) for token in chosen}
    if not keys or not len(values):
        return []
    if isinstance(values, pa.Array) and not _is_text(values):
        return []  # dates counted as instants
    if isinstance(values, pa.Array):
        found = pa.array(_token_values(values, keys), type=values.type)
        indices = np.flatnonzero(pc.is_in(values, value_set=found).to_numpy(zero_copy_only=False))
        values = np.array(values.take(pa.array(indices)).to_pylist(), dtype=object)
        counts = counts[indices]
        matching: np.ndarray = np.arange(len(indices))
    else:
        matching = np.flatnonzero(_matches(values.astype(str), keys))
    notes = []
    for index in matching:
        value, count = values[index], counts[index]
        if isinstance(value, str):
            times = "once" if count == 1 else f"{int(count):,} times"
            notes.append(f"`{value}` appears {times} in this column: a category or missing?")
    return notes


def validate_tokens(tokens: object) -> list[str]:
    """The person's choice, or ValueError with a sentence."""
    if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
        raise ValueError('"missing_tokens" must be a list of short texts, such as ["NA", "?"].')
    if len(tokens) > MAX_TOKENS:
        raise ValueError(f'"missing_tokens" can hold at most {MAX_TOKENS} tokens.')
    cleaned = []
    for token in tokens:
        text = token.strip(_PADDING)
        if not text:
            raise ValueError("A missing-value token cannot be empty; empty cells are always missing.")
        if len(text) > MAX_TOKEN_LENGTH or "\n" in text or "\r" in text:
            raise ValueError(f"A missing-value token is at most {MAX_TOKEN_LENGTH} characters on one line.")
        if text not in cleaned:
            cleaned.append(text)
    return cleaned
