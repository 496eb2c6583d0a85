"""Datasets: a summary in lists, the full profile for one."""

from __future__ import annotations

from pydantic import Field

from app.data.stored_profile import Preview, StoredColumn
from app.web.contract.common import Contract, Timestamp


class DatasetSummary(Contract):
    id: int
    name: str = Field(description="The uploaded file's name")
    rows: int
    column_count: int
    size_bytes: int
    sha256: str
    created_at: Timestamp


class DatasetDetail(DatasetSummary):
    columns: list[StoredColumn] = Field(description="Each column as profiled on upload")
    preview: Preview = Field(description="The first rows, as text")
    notices: list[str] = Field(description="Sentences about how the file was read")
    missing_tokens: list[str] | None = Field(description="The chosen missing-value tokens; null: the default rule")
    sheet: str | None = Field(description="The workbook sheet this dataset was read from; null for other files")
    sheets: list[str] = Field(description="Every sheet of that workbook; empty for other files")
