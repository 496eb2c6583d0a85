"""Stored rows as the JSON the API promises (DESIGN.md's contract)."""

from __future__ import annotations

from typing import Any

from app.db.models import Dataset


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": dataset.id,
        "name": dataset.name,
        "rows": dataset.row_count,
        "column_count": dataset.column_count,
        "size_bytes": dataset.size_bytes,
        "sha256": dataset.sha256,
        "created_at": dataset.created_at.isoformat(),
    }


def dataset_detail(dataset: Dataset) -> dict[str, Any]:
    profile = dataset.profile
    return {
        **dataset_summary(dataset),
        "columns": profile.get("columns", []),
        "preview": profile.get("preview", {"columns": [], "rows": []}),
        "notices": dataset.notices,
    }
