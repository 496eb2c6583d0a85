"""Datasets: a summary in lists, the full profile for one, and the bundled samples."""

from __future__ import annotations

from pydantic import Field

from app.web.contract.common import Contract, StoredDocument, Timestamp

Cell = str | None  # a preview cell as the text a person would type; null when missing
Stat = str | int | float | None  # numbers, or ISO dates for a date column


class TopValue(StoredDocument):
    value: Cell
    count: int


class Histogram(StoredDocument):
    edges: list[float]
    counts: list[int]


class ColumnProfile(StoredDocument):
    """One column as profiled on upload (data/profiling.py)."""

    name: str
    kind: str = Field(description="integer, float, boolean, categorical, text, date, identifier, constant, empty")
    dtype: str
    missing: int
    unique: int
    distinct_ratio: float | None = Field(description="Distinct over non-missing values: near 0 for categories")
    stats: dict[str, Stat] = Field(default_factory=dict, description="min, max, mean, std, q1, median, q3")
    top: list[TopValue] = Field(default_factory=list)
    top_other: int = 0
    histogram: Histogram | None = None
    notes: list[str] = Field(default_factory=list)


class Preview(StoredDocument):
    columns: list[str]
    rows: list[list[Cell]]


class DatasetSummary(Contract):
    id: int
    name: str = Field(description="The uploaded file's name")
    rows: int
    column_count: int
    size_bytes: int
    sha256: str
    created_at: Timestamp


class DatasetDetail(DatasetSummary):
    columns: list[ColumnProfile]
    preview: Preview = Field(description="The first rows, as text")
    notices: list[str] = Field(description="Sentences about how the file was read")
    missing_tokens: list[str] | None = Field(description="The chosen missing-value tokens; null: the default rule")
