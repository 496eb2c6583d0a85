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

TokenCounts = dict[str, dict[str, int]]


def token_key(value: str) -> str:
    return value.strip(_PADDING).casefold()


def apply_tokens(frame: pd.DataFrame, tokens: list[str] | None) -> TokenCounts:
    """Turn marker tokens into missing values in place; return, per column, each token's count.

    `tokens` None is the default rule (above); a list is the person's choice for every column.
    A text column left holding only plain numbers or true/false values becomes numbers or
    booleans; one holding numbers with separators stays text for `column_cleaning`.
    """
    keys = {token_key(token) for token in (DEFAULT_MISSING_TOKENS if tokens is None else tokens)}
    found: TokenCounts = {}
    if not keys:
        return found
    numeric_tokens = _numeric_tokens(tokens or [])
    for name, dtype in frame.dtypes.items():
        if numeric_tokens and _is_number_dtype(dtype):
            if counts := _mask_numbers(frame, str(name), numeric_tokens):
                found[str(name)] = counts
            continue
        if not (pd.api.types.is_string_dtype(dtype) or dtype == np.dtype(object)):
            continue
        column = frame[name]
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
        frame[name] = _typed(pd.Series(masked, index=column.index, dtype="str"), rest, numbers, booleans)
    return found


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


def _typed(column: pd.Series, rest: list[str], numbers: bool, booleans: bool) -> pd.Series:
    if numbers and all(map(_PLAIN_NUMBER.fullmatch, rest)):
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


def token_like_values(values: np.ndarray, counts: np.ndarray, chosen: list[str] | None) -> list[str]:
    """Notes for text values that look like missing markers but were kept as values."""
    keys = {token_key(token) for token in DEFAULT_MISSING_TOKENS}
    if chosen is not None:
        keys -= {token_key(token) for token in chosen}
    if not keys or not len(values):
        return []
    notes = []
    for index in np.flatnonzero(_matches(values.astype(str), keys)):
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
            raise ValueError('A missing-value token cannot be empty; empty cells are always missing.')
        if len(text) > MAX_TOKEN_LENGTH or "\n" in text or "\r" in text:
            raise ValueError(f"A missing-value token is at most {MAX_TOKEN_LENGTH} characters on one line.")
        if text not in cleaned:
            cleaned.append(text)
    return cleaned
