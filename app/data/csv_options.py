"""The plain data shared by CSV sniffing, reading and cleaning: options, limits, errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class CsvError(ValueError):
    """A file LayerLab will not read; `message` is one sentence meant for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CsvLimits:
    max_rows: int = 1_000_000
    max_columns: int = 10_000


@dataclass(frozen=True)
class NumberFormat:
    """How a text column's numbers are written: "1,234.5" is (",", "."), "1.234,5" is (".", ",")."""

    thousands: str | None
    decimal: str


@dataclass
class ReadOptions:
    """Everything detected at upload, stored as JSON so that a stored file is re-read identically.

    `number_formats` lists the text columns converted to numbers and how; `text_columns` lists
    columns kept as text on purpose (for example integers too large for 64 bits).
    """

    encoding: str = "utf-8"
    delimiter: str = ","
    quotechar: str = '"'
    # pandas' skipinitialspace: only for files with quoted values after spaces (it is slow).
    skip_initial_space: bool = True
    columns: list[str] = field(default_factory=list)
    number_formats: dict[str, NumberFormat] = field(default_factory=dict)
    text_columns: list[str] = field(default_factory=list)
    # False when the first row held data (then `columns` are column_1, column_2, ...).
    has_header: bool = True
    # The person's choice of missing-value tokens; None is the default rule (`missing_tokens`).
    missing_tokens: list[str] | None = None
    # "csv", or the upload's own format ("xlsx": `sheet` names the sheet read; "parquet").
    file_format: str = "csv"
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)  # every sheet of the workbook, in its order
    # Which parser reads the CSV: "arrow", or "pandas" for what Arrow cannot express (quoted
    # values after spaces, stray quotes, lone CRs, UTF-16) and for datasets stored before.
    parser: str = "arrow"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadOptions:
        formats = {
            name: NumberFormat(thousands=fmt.get("thousands"), decimal=fmt.get("decimal", "."))
            for name, fmt in (data.get("number_formats") or {}).items()
        }
        return cls(
            encoding=data.get("encoding", "utf-8"),
            delimiter=data.get("delimiter", ","),
            quotechar=data.get("quotechar", '"'),
            skip_initial_space=data.get("skip_initial_space", True),
            columns=list(data.get("columns") or []),
            number_formats=formats,
            text_columns=list(data.get("text_columns") or []),
            has_header=data.get("has_header", True),
            missing_tokens=data.get("missing_tokens"),
            file_format=data.get("file_format", "csv"),
            sheet=data.get("sheet"),
            sheets=list(data.get("sheets") or []),
            parser=data.get("parser", "pandas"),
        )
