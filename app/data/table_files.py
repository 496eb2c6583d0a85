"""Uploads that are not CSV: Excel workbooks (.xlsx) and Parquet files, read into the same frame,
with the same limits, notices and missing-value rules as a CSV.

A workbook's sheet is written out as a CSV (UTF-8, comma) and read by `read_csv_file`, so every
guarantee of the CSV path holds for it (blank and empty lines, headerless sheets, numbers
written as text, missing tokens). A Parquet file is already typed: its columns are taken as
they are, then checked and cleaned like a CSV's.
"""

from __future__ import annotations

import csv
import datetime
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, ZipError

from app.data.column_cleaning import infinite_to_missing
from app.data.csv_options import CsvError, CsvLimits, ReadOptions
from app.data.csv_reader import ParsedCsv, drop_empty_rows, empty_line_notices, load_frame, read_csv_file
from app.data.missing_tokens import apply_tokens, column_note, missing_notice
from app.data.sniffing import HEAD_BYTES

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
PASSWORD_PROTECTED = (
    "This workbook is protected with a password; remove the password in Excel "
    "(File, Info, Protect Workbook) and upload it again."
)
DAMAGED_WORKBOOK = (
    "This Excel file is damaged or is not a workbook LayerLab can read; open it in Excel, "
    "save it again as .xlsx and upload that."
)


def detect_format(path: Path) -> str:
    """"xlsx", "parquet" or "csv" (anything else: the CSV reader explains what it is)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04") and (b"xl/" in head or b"[Content_Types].xml" in head):
        return "xlsx"
    if head.startswith(_CFB) and _ENCRYPTED in path.read_bytes():
        raise CsvError(PASSWORD_PROTECTED)  # an encrypted .xlsx is wrapped in an OLE container
    return "csv"


def read_table_file(
    path: Path, limits: CsvLimits, missing_tokens: list[str] | None = None, sheet: str | None = None
) -> ParsedCsv:
    file_format = detect_format(path)
    if file_format == "xlsx":
        return _read_workbook(path, limits, missing_tokens, sheet)
    if file_format == "parquet":
        return _read_parquet(path, limits, missing_tokens)
    return read_csv_file(path, limits, missing_tokens=missing_tokens)


def load_table(path: Path, options: ReadOptions) -> pd.DataFrame:
    """Re-read a stored file of any format with the options detected at upload."""
    if options.file_format == "xlsx":
        csv_path = _sheet_as_csv(path, options.sheet)[0]
        try:
            return load_frame(csv_path, replace(options, file_format="csv"))
        finally:
            csv_path.unlink(missing_ok=True)
    if options.file_format == "parquet":
        frame = _parquet_frame(path)
        frame.columns = [str(name) for name in frame.columns]
        return _clean_parquet(frame, options.missing_tokens)[0]
    return load_frame(path, options)


# Excel ---------------------------------------------------------------------------------------


def _read_workbook(path: Path, limits: CsvLimits, missing_tokens: list[str] | None, sheet: str | None) -> ParsedCsv:
    csv_path, chosen, names = _sheet_as_csv(path, sheet)
    try:
        parsed = read_csv_file(csv_path, limits, missing_tokens=missing_tokens)
    finally:
        csv_path.unlink(missing_ok=True)
    parsed.options.file_format = "xlsx"
    parsed.options.sheet = chosen
    parsed.options.sheets = names
    if len(names) > 1 and sheet is None:
        parsed.notices.insert(
            0,
            f"The workbook has {len(names)} sheets ({_quoted(names)}); this is the first, "
            f'"{chosen}". "Read another sheet" below makes a dataset of another one.',
        )
    return parsed


def _sheet_as_csv(path: Path, sheet: str | None) -> tuple[Path, str, list[str]]:
    """Write one sheet as a CSV beside `path`; return it, the sheet's name and all sheet names."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
        if not names:
            raise CsvError("The workbook has no sheets.")
        chosen = names[0] if sheet is None else sheet
        if chosen not in names:
            raise CsvError(f'The workbook has no sheet "{sheet}"; its sheets are {_quoted(names)}.')
        rows = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=True)
    except PasswordError:
        raise CsvError(PASSWORD_PROTECTED) from None
    except (ZipError, CalamineError, OSError, ValueError) as exc:
        if isinstance(exc, CsvError):
            raise
        raise CsvError(DAMAGED_WORKBOOK) from None
    if not any(any(_cell(value) for value in row) for row in rows):
        raise CsvError(f'The sheet "{chosen}" is empty; it has no header row and no data.')
    csv_path = path.with_name(path.name + ".sheet.csv")
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in rows:
            writer.writerow([_cell(value) for value in row])
    return csv_path, chosen, names


def _cell(value: object) -> str:
    """A cell as the text a CSV export would hold: 3 not 3.0, ISO dates, true/false."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value)


def _quoted(names: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


# Parquet -------------------------------------------------------------------------------------


def _parquet_frame(path: Path) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError, ValueError):
        raise CsvError("This Parquet file is damaged or could not be read; write it again and upload it.") from None


def _read_parquet(path: Path, limits: CsvLimits, missing_tokens: list[str] | None) -> ParsedCsv:
    try:
        metadata = pq.read_metadata(path)
    except (pa.ArrowException, OSError):
        raise CsvError("This Parquet file is damaged or could not be read; write it again and upload it.") from None
    if metadata.num_columns > limits.max_columns:
        raise CsvError(f"The file has {metadata.num_columns:,} columns; LayerLab reads at most {limits.max_columns:,}.")
    if metadata.num_rows > limits.max_rows:
        raise CsvError(f"The file has more than {limits.max_rows:,} data rows, the most LayerLab reads.")
    frame = _parquet_frame(path)
    names = [str(name) for name in frame.columns]
    if len(names) < 2:
        raise CsvError("The file has only one column; a network needs a label and at least one feature.")
    if any(not name.strip() for name in names) or len(set(names)) != len(names):
        raise CsvError("Every column needs its own, non-empty name; rename the columns and write the file again.")
    frame.columns = names
    frame, empty_rows, tokens, notices = _clean_parquet(frame, missing_tokens)
    if frame.empty:
        raise CsvError("The file has columns but no data rows.")
    options = ReadOptions(columns=names, file_format="parquet", missing_tokens=missing_tokens)
    notices = (
        empty_line_notices(empty_rows)
        + [missing_notice(name, counts) for name, counts in tokens.items()]
        + notices
    )
    column_notes = {name: [column_note(counts)] for name, counts in tokens.items()}
    return ParsedCsv(frame, options, notices, column_notes)


def _clean_parquet(frame: pd.DataFrame, missing_tokens: list[str] | None) -> tuple:
    for name, dtype in frame.dtypes.items():
        if dtype == np.dtype(object) and pd.api.types.infer_dtype(frame[name], skipna=True) == "string":
            frame[name] = frame[name].astype("str")
    frame, empty_rows = drop_empty_rows(frame)
    tokens = apply_tokens(frame, missing_tokens)
    notices: list[str] = []
    infinite_to_missing(frame, notices)
    return frame, empty_rows, tokens, notices
