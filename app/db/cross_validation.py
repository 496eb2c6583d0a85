"""An experiment's cross-validation result: stored fold by fold, as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db.leases import ClaimLost
from app.db.models import Experiment


def store_cross_validation(
    *, session: Session, experiment_id: int, result: dict[str, Any] | None, claim_token: str | None = None
) -> None:
    """Store the result; with a claim token, raise ClaimLost if the run was deleted or restarted since."""
    target = Experiment.id == experiment_id
    if claim_token is not None:
        target &= Experiment.claim_token == claim_token
    stored = session.execute(update(Experiment).where(target).values(cross_validation=result)).rowcount
    session.commit()
    if claim_token is not None and not stored:
        raise ClaimLost(f"Experiment {experiment_id} was deleted or restarted.")
