"""The stored profile of a dataset (`Dataset.profile`, written by data/profiling.py) read back
as typed models: one place that knows its shape, and a column looked up by name.

A stored document may come from an earlier version: unknown fields are kept, and fields
added since have defaults.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.data.column_kinds import ColumnKind

Cell = str | None  # a preview cell as the text a person would type; null when missing
Stat = str | int | float | None  # numbers, or ISO dates for a date column


class StoredDocument(BaseModel):
    """JSON stored by an earlier version may carry fields this one no longer names: keep them."""

    model_config = ConfigDict(extra="allow")


class TopValue(StoredDocument):
    value: Cell
    count: int


class Histogram(StoredDocument):
    edges: list[float]
    counts: list[int]


class StoredColumn(StoredDocument):
    """One column as profiled on upload."""

    name: str
    kind: ColumnKind
    dtype: str
    missing: int
    unique: int
    distinct_ratio: float | None = Field(description="Distinct over non-missing values: near 0 for categories")
    stats: dict[str, Stat] = Field(default_factory=dict, description="min, max, mean, std, q1, median, q3")
    top: list[TopValue] = Field(default_factory=list)
    top_other: int = 0
    histogram: Histogram | None = None
    notes: list[str] = Field(default_factory=list)

    def stat(self, key: str) -> float | None:
        """A numeric statistic, or None (missing, or a date column's ISO text)."""
        value = self.stats.get(key)
        return float(value) if isinstance(value, int | float) else None


class Preview(StoredDocument):
    columns: list[str]
    rows: list[list[Cell]]


class StoredProfile(StoredDocument):
    rows: int = 0
    columns: list[StoredColumn] = Field(default_factory=list)
    preview: Preview = Field(default_factory=lambda: Preview(columns=[], rows=[]))

    def columns_by_name(self) -> dict[str, StoredColumn]:
        return {column.name: column for column in self.columns}

    def column(self, name: str) -> StoredColumn | None:
        return next((column for column in self.columns if column.name == name), None)


def read_profile(document: dict[str, Any] | None) -> StoredProfile:
    return StoredProfile.model_validate(document or {})
