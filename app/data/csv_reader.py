"""Read an uploaded CSV into a DataFrame, or refuse it with a sentence a person understands.

`read_csv_file` sniffs the head (encoding, delimiter, header), checks every record's field
count in one fast pass (`record_scan`, on a second thread while pandas' C engine parses the
file once), then cleans the columns (see `column_cleaning` for the decisions). What it
detected is returned as `ReadOptions`; `load_frame` re-reads a stored file with them, without
the checks, and gives the same frame.

Text columns stay pandas' "str" dtype (dates too: profiling calls them datetime); numbers are
int64 or float64 (float64 when a column has missing values); true/false columns are bool, or
pandas' nullable "boolean" when some values are missing.
"""

from __future__ import annotations

import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from app.data.arrow_columns import ValueCounts
from app.data.arrow_csv import ArrowRowError, NotUtf8Error, read_with_arrow
from app.data.column_cleaning import Cleaning, clean_frame, reapply, strip_text
from app.data.csv_options import CsvError, CsvLimits, NumberFormat, ReadOptions
from app.data.csv_survey import as_record_scan, survey_file
from app.data.missing_tokens import TokenCounts, apply_tokens, column_note, missing_notice
from app.data.record_scan import (
    RecordScan,
    ragged_row_error,
    scan_records,
    unterminated_quote_error,
)
from app.data.sniffing import Sniffed, fallback_encoding, sniff_file

__all__ = [
    "CsvError",
    "CsvLimits",
    "NumberFormat",
    "ParsedCsv",
    "ReadOptions",
    "load_frame",
    "read_csv_file",
]

_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_UNTERMINATED = re.compile(r"EOF inside string starting at row (\d+)")


@dataclass
class ParsedCsv:
    frame: pd.DataFrame
    options: ReadOptions
    notices: list[str] = field(default_factory=list)
    # Per column, notes for its profile (which tokens were read as missing).
    column_notes: dict[str, list[str]] = field(default_factory=dict)
    # Text columns' value counts taken while reading, for `profile_frame` to reuse.
    value_counts: ValueCounts = field(default_factory=dict)


@dataclass
class _Parse:
    frame: pd.DataFrame
    empty_lines: int = 0
    tokens: TokenCounts = field(default_factory=dict)
    data_rows: int = 0  # records read, lines of empty fields included
    value_counts: ValueCounts = field(default_factory=dict)


def read_csv_file(path: Path, limits: CsvLimits, missing_tokens: list[str] | None = None) -> ParsedCsv:
    """`missing_tokens`: the person's choice of missing-value tokens; None for the default rule."""
    sniffed = sniff_file(path, limits)
    options = ReadOptions(
        encoding=sniffed.encoding,
        delimiter=sniffed.delimiter,
        skip_initial_space=sniffed.skip_initial_space,
        columns=sniffed.header,
        has_header=sniffed.has_header,
        missing_tokens=missing_tokens,
        parser="pandas" if sniffed.skip_initial_space or sniffed.encoding.startswith(("utf-16", "utf-32")) else "arrow",
    )
    notices = list(sniffed.notices)
    try:
        parsed, scan = _parse_checked(path, sniffed, options, limits)
    except (UnicodeDecodeError, NotUtf8Error):
        if options.encoding != "utf-8":  # a byte order mark promised this encoding
            raise _not_valid(options.encoding) from None
        # The head was UTF-8 but a later byte is not: decide the fallback on the whole file.
        options.encoding, notices = fallback_encoding(path.read_bytes())
        notices += [notice for notice in sniffed.notices if "no header" in notice]
        parsed, scan = _parse_checked(path, sniffed, options, limits)
    frame = parsed.frame
    if frame.empty or (scan.fields_checked and scan.data_rows == 0):
        raise _header_only_error()
    if len(frame) > limits.max_rows:
        raise _too_many_rows(limits)
    cleaning = clean_frame(frame, strip=scan.may_have_padding, counted=parsed.value_counts)
    if cleaning.text_columns:
        options.text_columns = cleaning.text_columns
        if options.parser == "pandas":  # Arrow keeps such columns' digits as written already
            _reread_as_text(path, options, frame, cleaning.text_columns)
        strip_text(frame, cleaning.text_columns)
    options.number_formats = cleaning.number_formats
    notices += _blank_line_notices(scan) + empty_line_notices(parsed.empty_lines)
    notices += [missing_notice(name, counts) for name, counts in parsed.tokens.items()]
    column_notes = {name: [column_note(counts)] for name, counts in parsed.tokens.items()}
    return ParsedCsv(frame, options, notices + cleaning.notices, column_notes, parsed.value_counts)


def load_frame(path: Path, options: ReadOptions) -> pd.DataFrame:
    """Re-read a stored CSV file; `table_files.load_table` reads any format."""
    frame = _parse(path, options, plain=survey_file(path, options.encoding, options.delimiter).plain).frame
    reapply(frame, Cleaning(options.number_formats, options.text_columns))
    return frame


def _parse_checked(path: Path, sniffed: Sniffed, options: ReadOptions, limits: CsvLimits) -> tuple[_Parse, RecordScan]:
    """Parse, and check every record's field count (with exact line numbers on failure).

    A plain file (`csv_survey`) is checked by Arrow as it parses; the record scan runs only to
    name the line of a bad record. Other files (quotes, lone CRs, UTF-16) get the full record
    scan on a second thread while the parse runs: both read the whole file and mostly run
    without the GIL, and the scan's verdict wins."""
    survey = survey_file(path, options.encoding, options.delimiter)
    if survey.plain and options.parser == "arrow":
        try:
            parsed = _parse(path, options, plain=True)
        except ArrowRowError:
            scan_records(path, sniffed, limits, record_by_record=True)
            raise _unreadable() from None
        if parsed.data_rows > limits.max_rows:
            raise _too_many_rows(limits)
        return parsed, as_record_scan(survey, int(options.has_header), parsed.data_rows)
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(scan_records, path, sniffed, limits)
        try:
            parsed: _Parse | None = _parse(path, options, plain=False)
            parse_error: Exception | None = None
        except (CsvError, ArrowRowError, NotUtf8Error, UnicodeDecodeError) as exc:
            parsed, parse_error = None, exc
        scan = scanning.result()
    if scan.by_csv_module and options.parser == "arrow":
        options.parser = "pandas"
        try:
            parsed, parse_error = _parse(path, options, plain=False), None
        except (CsvError, UnicodeDecodeError) as exc:
            parsed, parse_error = None, exc
    if isinstance(parse_error, UnicodeDecodeError | NotUtf8Error):
        raise parse_error
    if parse_error is not None:
        if scan.fields_checked:  # find the exact line of what the parser saw
            scan_records(path, sniffed, limits, record_by_record=True)
        raise parse_error if isinstance(parse_error, CsvError) else _unreadable()
    assert parsed is not None
    return parsed, scan


def _parse(path: Path, options: ReadOptions, plain: bool) -> _Parse:
    """Arrow's multithreaded reader, or pandas' C parser (`ReadOptions.parser`). Lines of empty
    fields are dropped; missing-value tokens become missing (see `missing_tokens`)."""
    if options.parser == "pandas":
        return _parse_with_pandas(path, options)
    read = read_with_arrow(path, options, newlines_in_values=not plain)
    frame, empty_lines = drop_empty_rows(read.frame)
    counted: ValueCounts = {}
    tokens = apply_tokens(frame, options.missing_tokens, counted)
    return _Parse(frame, empty_lines, tokens, data_rows=len(read.frame), value_counts=counted)


def _parse_with_pandas(path: Path, options: ReadOptions) -> _Parse:
    """One pass of pandas' C engine; columns of mixed types are re-read as text."""
    try:
        with warnings.catch_warnings():
            # Mixed types across pandas' internal chunks are handled below, not warned about.
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            # With index_col=False pandas drops a long row's extra fields with only a warning.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                **_pandas_options(options),
                dtype={name: "str" for name in options.text_columns} or None,
            )
    except pd.errors.EmptyDataError:
        raise CsvError("The file is empty; it has no header row and no data.") from None
    except UnicodeDecodeError:
        raise  # the caller decides on a fallback encoding
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise _parser_error(str(exc), options.delimiter) from None
    except (ValueError, OverflowError) as exc:
        raise _parser_error(str(exc), options.delimiter) from None
    mixed = []
    for name in [name for name, dtype in frame.dtypes.items() if dtype == np.dtype(object)]:
        column = frame[name]
        if column.dtype == object:
            if pd.api.types.infer_dtype(column, skipna=True) == "boolean":
                frame[name] = column.astype("boolean")  # true/false with some missing
            else:
                mixed.append(name)
    if mixed:
        _reread_as_text(path, options, frame, mixed)
    data_rows = len(frame)
    frame, empty_lines = drop_empty_rows(frame)
    return _Parse(frame, empty_lines, apply_tokens(frame, options.missing_tokens), data_rows=data_rows)


def drop_empty_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows whose every field is empty (",,,,") are not data. Narrowed column by column, so a
    file without such rows costs one pass over its first column."""
    candidates = np.flatnonzero(frame.iloc[:, 0].isna().to_numpy()) if len(frame.columns) else []
    for name in frame.columns[1:]:
        if not len(candidates):
            break
        candidates = candidates[frame[name].iloc[candidates].isna().to_numpy()]
    if not len(candidates):
        return frame, 0
    return frame.drop(index=frame.index[candidates]).reset_index(drop=True), len(candidates)


def _pandas_options(options: ReadOptions) -> dict:
    return {
        "sep": options.delimiter,
        "quotechar": options.quotechar,
        "encoding": options.encoding,
        "encoding_errors": "strict",
        "header": 0 if options.has_header else None,
        "names": options.columns,
        # pandas' own list would read a category named "None" or "NA" as missing: only empty
        # cells are missing here; `apply_tokens` decides on tokens after the empty lines go.
        "keep_default_na": False,
        "na_values": [""],
        "index_col": False,  # never turn an extra first field into a silent index
        "skipinitialspace": options.skip_initial_space,
    }


def _reread_as_text(path: Path, options: ReadOptions, frame: pd.DataFrame, names: list[str]) -> None:
    text = pd.read_csv(path, **_pandas_options(options), usecols=names, dtype="str")
    for name in names:
        frame[name] = text[name]


def _parser_error(message: str, delimiter: str) -> CsvError:
    if match := _RAGGED.search(message):
        expected, line, found = (int(group) for group in match.groups())
        return ragged_row_error(line, expected, found, delimiter)
    if match := _UNTERMINATED.search(message):
        return unterminated_quote_error(int(match.group(1)))
    if "Length of header or names does not match" in message:
        return CsvError("A row has more fields than the header has columns; check the delimiter.")
    return _unreadable()


def _header_only_error() -> CsvError:
    return CsvError("The file has a header row but no data rows.")


def _too_many_rows(limits: CsvLimits) -> CsvError:
    return CsvError(f"The file has more than {limits.max_rows:,} data rows, the most LayerLab reads.")


def _unreadable() -> CsvError:
    return CsvError("The file could not be read as CSV; check that it is a plain CSV table.")


def _not_valid(encoding: str) -> CsvError:
    return CsvError(
        f"The file has bytes that are not valid {encoding.upper()} text; save it again as UTF-8 and upload it."
    )


def _blank_line_notices(scan: RecordScan) -> list[str]:
    notices = []
    inner = scan.blank_lines - scan.trailing_blank_lines
    if inner:
        notices.append(_blank_lines(inner, "between the rows"))
    if scan.trailing_blank_lines:
        notices.append(_blank_lines(scan.trailing_blank_lines, "at the end"))
    return notices


def empty_line_notices(count: int) -> list[str]:
    if not count:
        return []
    if count == 1:
        return ["1 line whose fields are all empty was skipped."]
    return [f"{count:,} lines whose fields are all empty were skipped."]


def _blank_lines(count: int, where: str) -> str:
    if count == 1:
        return f"1 blank line {where} was ignored."
    return f"{count:,} blank lines {where} were ignored."
