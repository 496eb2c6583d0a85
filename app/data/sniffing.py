"""What kind of file is this? Encoding, delimiter and header, guessed from the first bytes only.

Reading a large file several times would cost more than parsing it, so everything here
looks at a head sample (`HEAD_BYTES`); the full file is parsed once, by pandas.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.data.csv_options import CsvError, CsvLimits

HEAD_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
HEADER_RECORDS = 200

# Bytes Windows-1252 leaves undefined; a file holding any of them is read as Latin-1 instead.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# A well-formed multi-byte UTF-8 character (2 to 4 bytes).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Control characters that never appear in a text table (tab, LF and CR are fine).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SIGNATURES = (
    (b"%PDF", "This file looks like a PDF document, not CSV; export the table as CSV instead."),
    (b"\x1f\x8b", "This file is compressed with gzip; decompress it and upload the CSV inside."),
    (b"\xd0\xcf\x11\xe0", "This file looks like an Excel workbook; save it as CSV and upload that."),
    (b"\x89PNG", "This file is an image, not CSV."),
    (b"\xff\xd8\xff", "This file is an image, not CSV."),
    (b"GIF8", "This file is an image, not CSV."),
)


@dataclass
class Sniffed:
    encoding: str
    delimiter: str
    header: list[str]
    newline: str
    is_whole_file: bool
    skip_initial_space: bool
    notices: list[str] = field(default_factory=list)
    has_header: bool = True


def sniff_file(path: Path, limits: CsvLimits) -> Sniffed:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES + 1)
    is_whole_file = len(head) <= HEAD_BYTES
    head = head[:HEAD_BYTES]
    reject_non_text(head)
    encoding, notices = detect_encoding(head, is_whole_file)
    text = decode_head(head, encoding, is_whole_file)
    if not text.strip():
        raise CsvError("The file is empty; it has no header row and no data.")
    reject_non_csv_text(text)
    delimiter = detect_delimiter(text, is_whole_file)
    header = parse_header(text, delimiter, limits)
    has_header = not header_is_data(_complete_records(text, delimiter, is_whole_file))
    if not has_header:
        header = [f"column_{position}" for position in range(1, len(header) + 1)]
        notices.append(
            f"The first row holds numbers like the rows below it, so the file was read as having "
            f"no header; the columns are named column_1 to column_{len(header)}."
        )
    newline = "\r" if "\n" not in text and "\r" in text else "\n"
    # pandas' skipinitialspace costs a fifth of its parse; it is only needed when a quoted
    # value follows spaces (1, "New York, NY"). Other leading spaces are stripped afterwards.
    spaced_quote = re.search(f'(?:^|[\r\n{re.escape(delimiter)}]) +"', text, re.MULTILINE)
    return Sniffed(encoding, delimiter, header, newline, is_whole_file, bool(spaced_quote), notices, has_header)


def reject_non_text(head: bytes) -> None:
    if not head:
        raise CsvError("The file is empty; it has no header row and no data.")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if b"xl/" in head or b"[Content_Types].xml" in head:
            raise CsvError("This file looks like an Excel workbook; save it as CSV and upload that.")
        raise CsvError("This file is a ZIP archive, not CSV; unzip it and upload the CSV inside.")
    for signature, message in _SIGNATURES:
        if head.startswith(signature):
            raise CsvError(message)


def detect_encoding(head: bytes, is_whole_file: bool) -> tuple[str, list[str]]:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, []
    if b"\x00" in head:
        return _utf16_without_bom(head), []
    try:
        decode_head(head, "utf-8", is_whole_file)
    except CsvError:
        return fallback_encoding(head)
    return "utf-8", []


def _utf16_without_bom(head: bytes) -> str:
    sample = head[: len(head) - len(head) % 2]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = max(len(sample) // 2, 1)
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    raise CsvError("This file is not text (it contains binary data); upload a CSV file.")


def fallback_encoding(data: bytes) -> tuple[str, list[str]]:
    """The encoding of a file that is not valid UTF-8, decided from `data` (a head or the file).

    A file mixing valid UTF-8 characters with invalid bytes is damaged: reading it as Latin-1
    would turn every accented letter into two wrong ones, so that is refused instead.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start) + 1
        if _UTF8_MULTIBYTE.search(data):
            raise CsvError(
                f"The file mixes UTF-8 text with bytes that are not UTF-8 (first on line "
                f"{bad_line}); save it again as UTF-8 and upload it."
            ) from None
    if _CP1252_UNDEFINED.search(data):
        return "latin-1", ["Read as Latin-1 because the file is not valid UTF-8."]
    return "cp1252", ["Read as Latin-1 (Windows-1252) because the file is not valid UTF-8."]


def decode_head(head: bytes, encoding: str, is_whole_file: bool) -> str:
    """Decode a head sample, tolerating a character cut in half at its end."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return decoder.decode(head, final=is_whole_file)
    except UnicodeDecodeError as exc:
        line = head.count(b"\n", 0, exc.start) + 1
        raise CsvError(
            f"The file has bytes that are not valid {encoding.upper()} text on line {line}; "
            "save it again as UTF-8 and upload it."
        ) from None


def reject_non_csv_text(text: str) -> None:
    if _CONTROL_CHARS.search(text[:65536]) and len(_CONTROL_CHARS.findall(text)) > len(text) // 100:
        raise CsvError("This file is not text (it contains binary data); upload a CSV file.")
    start = text.lstrip("\ufeff \t\r\n")[:64].lower()
    if re.match(r"[\[{]\s*[\"{\[\]}0-9-]", start) or start in ("[", "{"):
        raise CsvError("This file looks like JSON, not CSV; export the table as CSV instead.")
    if start.startswith(("<!doctype html", "<html", "<?xml")):
        raise CsvError("This file looks like a web page or XML, not CSV; upload a CSV file.")


def _complete_records(text: str, delimiter: str, is_whole_file: bool) -> list[list[str]]:
    """The first records of `text`, without blank lines or a record cut off by the sample's end."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            if any(value.strip() for value in record):
                records.append(record)
            if len(records) > HEADER_RECORDS:
                break
    except csv.Error:
        pass  # an unterminated quote; the full scan reports it with its line
    if not is_whole_file and len(records) <= HEADER_RECORDS and len(records) > 1:
        records.pop()
    return records


def detect_delimiter(text: str, is_whole_file: bool) -> str:
    """The delimiter whose field counts agree best with the header's, preferring more fields."""
    best: tuple[bool, float, int] | None = None
    chosen = ""
    for delimiter in DELIMITERS:
        records = _complete_records(text, delimiter, is_whole_file)
        if not records or len(records[0]) < 2:
            continue
        expected = len(records[0])
        agreeing = sum(len(record) == expected for record in records) / len(records)
        score = (agreeing == 1.0, agreeing, expected)
        if best is None or score > best:
            best, chosen = score, delimiter
    if not chosen:
        raise CsvError(
            "The file has only one column; a network needs a label and at least one feature. "
            "If it has more, separate them with commas, semicolons, tabs or pipes."
        )
    return chosen


def header_is_data(records: list[list[str]]) -> bool:
    """Is the first record a data row: every value a number, and every column below it numbers
    (or empty) too? Numeric names over text values ("2019,2020" over "low,high") are a header."""
    if len(records) < 2 or not all(_NUMBER.fullmatch(name.strip()) for name in records[0]):
        return False
    width = len(records[0])
    rows = [record for record in records[1:] if len(record) == width]
    return bool(rows) and all(not value.strip() or _NUMBER.fullmatch(value.strip()) for row in rows for value in row)


def parse_header(text: str, delimiter: str, limits: CsvLimits) -> list[str]:
    records = _complete_records(text, delimiter, is_whole_file=True)
    header = [name.strip() for name in records[0]]
    if len(header) > limits.max_columns:
        raise CsvError(f"The file has {len(header):,} columns; LayerLab reads at most {limits.max_columns:,}.")
    if header_is_data(records[:HEADER_RECORDS]):
        return header  # data, not names: the caller names the columns
    for position, name in enumerate(header, start=1):
        if not name:
            raise CsvError(f"Column {position} has no name in the header row; give every column a name.")
    seen: set[str] = set()
    duplicates = [name for name in header if name in seen or seen.add(name)]
    if duplicates:
        names = ", ".join(f'"{name}"' for name in dict.fromkeys(duplicates))
        raise CsvError(f"The header row has duplicate column names ({names}); give each column its own name.")
    return header
