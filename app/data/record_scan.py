"""One fast pass over a CSV's records: field counts, blank lines, unterminated quotes, row limits.

pandas pads a row with too few fields with missing values without a word, so every record's
field count is checked here first. For ASCII-compatible encodings the pass runs on raw bytes
with NumPy (delimiters and newlines inside quotes are skipped by quote parity). Python's csv
module, whose rules are pandas' rules, takes over when parity cannot be trusted (a quote
inside an unquoted value, lone CRs among LF line ends) and for UTF-16 and UTF-32 files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.data.csv_options import CsvError, CsvLimits
from app.data.sniffing import DELIMITER_NAMES, Sniffed

CHUNK_BYTES = 8 * 1024 * 1024
_QUOTE = ord('"')
_SPACE = ord(" ")
_CR = ord("\r")
_TAB = ord("\t")


@dataclass
class RecordScan:
    data_rows: int = 0
    blank_lines: int = 0
    trailing_blank_lines: int = 0
    # Whether a value may carry spaces or tabs pandas keeps, so text needs stripping.
    may_have_padding: bool = False
    # False when the csv module gave up (a field beyond its size limit): pandas' checks only.
    fields_checked: bool = True
    # True when the csv module's rules applied (stray quotes, lone CRs, UTF-16): pandas, whose
    # rules they are, then parses the file too (it also names an unterminated quote at the end).
    by_csv_module: bool = False


def scan_records(path: Path, sniffed: Sniffed, limits: CsvLimits, record_by_record: bool = False) -> RecordScan:
    """Raise CsvError for the first bad record. `record_by_record` skips the fast path that
    compares a chunk's total delimiter count (a row one field short and another one field
    long in the same chunk cancel out there; pandas then reports the long one)."""
    if sniffed.encoding.startswith(("utf-16", "utf-32")):
        return _scan_text(path, sniffed, limits)
    return _ByteScanner(sniffed, limits, record_by_record).scan(path)


def ragged_row_error(line: int, expected: int, found: int, delimiter: str) -> CsvError:
    return CsvError(
        f"Line {line} has {found} field{'s' if found != 1 else ''} but the header has "
        f"{expected}; every row needs one value per column (separated by "
        f"{DELIMITER_NAMES[delimiter]}s)."
    )


def unterminated_quote_error(line: int) -> CsvError:
    return CsvError(f'The quoted value starting on line {line} is never closed; add the missing closing quote (").')


def _check_row_limit(data_rows: int, limits: CsvLimits) -> None:
    if data_rows > limits.max_rows:
        raise CsvError(f"The file has more than {limits.max_rows:,} data rows, the most LayerLab reads.")


class _ByteScanner:
    def __init__(self, sniffed: Sniffed, limits: CsvLimits, record_by_record: bool) -> None:
        self.record_by_record = record_by_record
        self.sniffed = sniffed
        self.needs_csv_module = False
        self.delimiter = sniffed.delimiter
        self.delimiter_byte = ord(sniffed.delimiter)
        self.newline_byte = ord(sniffed.newline)
        self.expected = len(sniffed.header)
        self.limits = limits
        self.result = RecordScan()
        self.header_seen = not sniffed.has_header  # a headerless file's first record is data
        self.line_base = 1  # physical line number where the unprocessed bytes start

    def scan(self, path: Path) -> RecordScan:
        leftover = b""
        with path.open("rb") as handle:
            while True:
                data = handle.read(CHUNK_BYTES)
                at_end = not data
                buffer = leftover + data if leftover else data
                if not buffer:
                    break
                leftover = self._scan_buffer(buffer, at_end)
                if self.needs_csv_module:
                    # A quote inside an unquoted value is literal text, so quote parity says
                    # nothing; or lone CRs end lines among LFs. Start again with the csv
                    # module, whose rules are pandas' rules.
                    return _scan_text(path, self.sniffed, self.limits)
                if at_end:
                    break
        if not self.header_seen:
            raise CsvError("The file is empty; it has no header row and no data.")
        return self.result

    def _scan_buffer(self, buffer: bytes, at_end: bool) -> bytes:
        """Check the complete records in `buffer`; return the bytes of an incomplete last one."""
        if self._mixes_line_endings(buffer):
            self.needs_csv_module = True
            return b""
        array = np.frombuffer(buffer, dtype=np.uint8)
        newlines = np.flatnonzero(array == self.newline_byte)
        quotes = np.flatnonzero(array == _QUOTE) if b'"' in buffer else None
        is_delimiter = array == self.delimiter_byte
        if not self.result.may_have_padding:
            self.result.may_have_padding = self._has_padding(buffer, array, at_end)
        record_ends = newlines
        if quotes is not None:
            if not self._quotes_are_well_formed(array, quotes):
                self.needs_csv_module = True
                return b""
            record_ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
        if at_end:
            if quotes is not None and len(quotes) % 2 == 1:
                # The record holding the open quote starts after the last complete one; its
                # first content line (blank lines before it are skipped) is where it starts.
                start = int(record_ends[-1]) + 1 if len(record_ends) else 0
                start += len(buffer[start:]) - len(buffer[start:].lstrip(b"\r\n"))
                raise unterminated_quote_error(self._line_of(newlines, start))
            if len(record_ends) == 0 or record_ends[-1] != len(buffer) - 1:
                record_ends = np.append(record_ends, len(buffer))
        if len(record_ends) == 0:
            return buffer
        processed = int(record_ends[-1]) + 1
        self._check_records(buffer, array[:processed], is_delimiter[:processed], newlines, quotes, record_ends)
        self.line_base += int(np.searchsorted(newlines, processed))
        return buffer[processed:]

    def _has_padding(self, buffer: bytes, array: np.ndarray, at_end: bool) -> bool:
        """Is there whitespace pandas would keep: a space or tab before a delimiter, a line end
        or a quote, just after a quote, or starting a value (spaces there are skipped by pandas
        when `skip_initial_space`)? Only the neighbours of whitespace bytes are looked at."""
        last = len(array) - 1
        ends = [self.delimiter_byte, self.newline_byte, _CR]
        for byte in (_SPACE, _TAB):
            if byte == self.delimiter_byte or bytes([byte]) not in buffer:
                continue
            positions = np.flatnonzero(array == byte)
            following = array[np.minimum(positions + 1, last)]
            preceding = array[np.maximum(positions - 1, 0)]
            if np.any(np.isin(following, ends + [_QUOTE])) or np.any(preceding == _QUOTE):
                return True
            leading_kept = byte == _TAB or not self.sniffed.skip_initial_space
            if leading_kept and (positions[0] == 0 or np.any(np.isin(preceding, ends))):
                return True
            if at_end and positions[-1] == last:
                return True
        return False

    def _mixes_line_endings(self, buffer: bytes) -> bool:
        """Does a CR end a line on its own among LF line ends (or an LF among CR ones)?"""
        if self.newline_byte == _CR:
            return b"\n" in buffer
        if b"\r" not in buffer:
            return False
        split_crlf = buffer.endswith(b"\r")  # its LF starts the next chunk
        return buffer.count(b"\r") - split_crlf != buffer.count(b"\r\n")

    def _quotes_are_well_formed(self, array: np.ndarray, quotes: np.ndarray) -> bool:
        """Does every opening quote (by parity) start a value? Otherwise a quote is literal text."""
        opening = quotes[0::2]
        previous = array[np.maximum(opening - 1, 0)]
        starts_value = (
            (opening == 0)
            | (previous == self.delimiter_byte)
            | (previous == self.newline_byte)
            | (previous == _CR)
            | ((previous == _SPACE) & self.sniffed.skip_initial_space)
            | (previous == _QUOTE)
        )
        return bool(starts_value.all())

    def _line_of(self, newlines: np.ndarray, position: int) -> int:
        return self.line_base + int(np.searchsorted(newlines, position))

    def _check_records(
        self,
        buffer: bytes,
        array: np.ndarray,
        is_delimiter: np.ndarray,
        newlines: np.ndarray,
        quotes: np.ndarray | None,
        record_ends: np.ndarray,
    ) -> None:
        if quotes is not None:
            inside_quotes = np.bitwise_xor.accumulate(array == _QUOTE, dtype=np.uint8)
            is_delimiter &= inside_quotes == 0
        starts = np.concatenate(([0], record_ends[:-1] + 1))
        lengths = record_ends - starts
        empty = (lengths == 0) | ((lengths == 1) & (array[np.minimum(starts, len(array) - 1)] == _CR))
        content_records = len(record_ends) - int(empty.sum())
        # Fast path: with one delimiter count per non-empty record there is nothing to find.
        expected_delimiters = content_records * (self.expected - 1)
        if not self.record_by_record and np.count_nonzero(is_delimiter) == expected_delimiters:
            blank = empty
        else:
            blank = self._find_ragged_record(buffer, array, is_delimiter, newlines, starts, record_ends)
        self._count(blank, len(record_ends))

    def _find_ragged_record(
        self,
        buffer: bytes,
        array: np.ndarray,
        is_delimiter: np.ndarray,
        newlines: np.ndarray,
        starts: np.ndarray,
        record_ends: np.ndarray,
    ) -> np.ndarray:
        """Raise for the first record with the wrong field count; return which records are blank."""
        safe_starts = np.minimum(starts, len(array) - 1)
        fields = np.add.reduceat(is_delimiter.view(np.uint8), safe_starts, dtype=np.int64) + 1
        fields[starts >= record_ends] = 1
        blank = np.zeros(len(record_ends), dtype=bool)
        for index in np.flatnonzero(fields == 1):
            blank[index] = not buffer[starts[index] : record_ends[index]].strip()
        content = np.flatnonzero(~blank)
        if not self.header_seen and len(content):
            fields[content[0]] = self.expected  # the header itself was read by the sniffer
        wrong = np.flatnonzero((fields != self.expected) & ~blank)
        if len(wrong):
            first = int(wrong[0])
            line = self._line_of(newlines, int(starts[first]))
            raise ragged_row_error(line, self.expected, int(fields[first]), self.delimiter)
        return blank

    def _count(self, blank: np.ndarray, records: int) -> None:
        result = self.result
        content = np.flatnonzero(~blank)
        data_records = len(content)
        if not self.header_seen and len(content):
            self.header_seen = True
            data_records -= 1
        result.data_rows += data_records
        _check_row_limit(result.data_rows, self.limits)
        blanks = int(blank.sum())
        result.blank_lines += blanks
        if len(content):
            result.trailing_blank_lines = records - 1 - int(content[-1])
        else:
            result.trailing_blank_lines += blanks


def _scan_text(path: Path, sniffed: Sniffed, limits: CsvLimits) -> RecordScan:
    """The slower, exact scan: Python's csv module over the decoded text."""
    result = RecordScan(may_have_padding=True, by_csv_module=True)
    expected = len(sniffed.header)
    header_seen = not sniffed.has_header
    # Byte-compatible encodings only need the structure here; a fallback is decided elsewhere.
    errors = "strict" if sniffed.encoding.startswith(("utf-16", "utf-32")) else "replace"
    with path.open(encoding=sniffed.encoding, errors=errors, newline="") as handle:
        reader = csv.reader(handle, delimiter=sniffed.delimiter, skipinitialspace=sniffed.skip_initial_space)
        start_line = 1
        try:
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    result.blank_lines += 1
                    result.trailing_blank_lines += 1
                elif not header_seen:
                    header_seen = True
                else:
                    if len(record) != expected:
                        if next(reader, None) is None and "\n" in record[-1] + record[-1].replace("\r", "\n"):
                            raise unterminated_quote_error(start_line)
                        raise ragged_row_error(start_line, expected, len(record), sniffed.delimiter)
                    result.data_rows += 1
                    result.trailing_blank_lines = 0
                    _check_row_limit(result.data_rows, limits)
                start_line = reader.line_num + 1
        except csv.Error:  # a field beyond the csv module's size limit: leave it to pandas
            result.fields_checked = False
        except UnicodeDecodeError:
            raise CsvError(
                f"The file has bytes that are not valid {sniffed.encoding.upper()} text "
                f"after line {start_line}; save it again as UTF-8 and upload it."
            ) from None
    return result
