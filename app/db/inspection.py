"""The looks inside the network that a run records on some epochs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import EpochMetric


def inspection_snapshots(*, session: Session, experiment_id: int) -> list[dict[str, Any]]:
    """The recorded snapshots, in epoch order."""
    rows = session.scalars(
        select(EpochMetric.inspection)
        .where(EpochMetric.experiment_id == experiment_id, EpochMetric.inspection.is_not(None))
        .order_by(EpochMetric.epoch)
    )
    return [snapshot for snapshot in rows if snapshot]
