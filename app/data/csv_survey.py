"""One cheap pass over a CSV's raw bytes, to decide whether Arrow's reader can take it alone.

A "plain" file (ASCII-compatible encoding, LF or CRLF line ends, no lone CR, no quote character) has no
quoted delimiters or line breaks and no unterminated quotes, so every record is one physical
line and Arrow's own field-count check is the whole record scan; counting line ends here tells
how many blank lines Arrow skipped. Any other file goes through `record_scan`, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.data.record_scan import CHUNK_BYTES, RecordScan

_TAIL_BYTES = 1 << 20


@dataclass
class Survey:
    plain: bool
    # Physical lines (a last line without a line end included), and how many blank lines
    # close the file.
    lines: int = 0
    trailing_blank_lines: int = 0


def survey_file(path: Path, encoding: str, delimiter: str) -> Survey:
    if encoding.startswith(("utf-16", "utf-32")):
        return Survey(plain=False)
    lines = 0
    pending_cr = False
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            if b'"' in chunk:
                return Survey(plain=False)
            if pending_cr or b"\r" in chunk:
                lone_crs = chunk.count(b"\r") - chunk.count(b"\r\n")
                if pending_cr and not chunk.startswith(b"\n"):
                    lone_crs += 1
                pending_cr = chunk.endswith(b"\r")
                if lone_crs - pending_cr > 0:
                    return Survey(plain=False)  # a lone CR ends a line among LFs: the csv module decides
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if pending_cr:
        return Survey(plain=False)
    trailing = _trailing_blank_lines(path, delimiter)
    if trailing is None:
        return Survey(plain=False)
    return Survey(plain=True, lines=lines + (last not in (b"", b"\n")), trailing_blank_lines=trailing)


def _trailing_blank_lines(path: Path, delimiter: str) -> int | None:
    """Blank lines after the last content, as the record scan counts them; None when the
    blank tail is longer than the bytes looked at."""
    whitespace = b" \r\n" + (b"" if delimiter == "\t" else b"\t")
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(size - _TAIL_BYTES, 0))
        tail = handle.read()
    content = tail.rstrip(whitespace)
    if not content and size > len(tail):
        return None
    after = tail[len(content) :]
    end_of_last = after.find(b"\n")
    if end_of_last < 0:
        return 0
    lines = after[end_of_last + 1 :].split(b"\n")
    return len(lines) - (lines[-1] == b"")


def as_record_scan(survey: Survey, header_lines: int, data_rows: int) -> RecordScan:
    """The record scan's verdict, for a plain file Arrow read: in a plain file every line is
    one record, so the lines that are neither the header nor data are the blank ones."""
    return RecordScan(
        data_rows=data_rows,
        blank_lines=survey.lines - header_lines - data_rows,
        trailing_blank_lines=survey.trailing_blank_lines,
        may_have_padding=True,  # the text columns say which need stripping
    )
