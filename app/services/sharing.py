"""Sharing a dataset with every account, read-only: others may train on it, their runs are theirs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db.accounts import record_audit
from app.db.models import Dataset
from app.db.ownership import Principal, ensure_may_change


def set_shared(session: Session, principal: Principal, dataset: Dataset, shared: bool) -> Dataset:
    ensure_may_change(dataset)
    if dataset.shared != shared:
        dataset.shared = shared
        action = "share" if shared else "unshare"
        record_audit(session=session, actor=principal.username, action=action,
                     detail=f"dataset {dataset.id} ({dataset.name})", address=None)
        session.commit()
    return dataset
