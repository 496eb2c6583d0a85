"""An experiment's cross-validation result: stored fold by fold, as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db.models import Experiment


def store_cross_validation(*, session: Session, experiment_id: int, result: dict[str, Any] | None) -> None:
    session.execute(update(Experiment).where(Experiment.id == experiment_id).values(cross_validation=result))
    session.commit()
