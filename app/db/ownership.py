"""Who may see and change a stored row, decided once for every query of a request.

With accounts on, the web layer sets `current_principal` for the whole request (every
thread and task it starts copies the context). Then every ORM query of a dataset,
sweep or experiment, in any session, reads only the rows the principal may see:
their own, plus datasets shared with everyone (and a dataset one of their own runs
uses, should its owner stop sharing it). A lookup by id of another account's row
finds nothing, so every route answers 404 for it without a check of its own.

Writes: a new row gets the principal as owner; changing or deleting a row someone
else owns raises `NotOwnerError` (a shared dataset is read-only for the others); each
delete is written to the audit log.

With no principal (a single-user server, the worker processes, start-up), nothing is
filtered: the behaviour of a server without accounts is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, with_loader_criteria

from app.db.models import AuditEvent, Dataset, Experiment, Sweep, UserRole

OWNED = (Dataset, Sweep, Experiment)
NOUNS = {Dataset: "dataset", Sweep: "sweep", Experiment: "experiment"}


@dataclass(frozen=True)
class Principal:
    """The account a request acts for."""

    user_id: int
    username: str
    role: str
    quota_bytes: int | None = None  # most bytes of datasets the account may store (None: no quota)

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN


current_principal: ContextVar[Principal | None] = ContextVar("layerlab_principal", default=None)


class AccessError(Exception):
    """A write the principal may not make: a sentence and its HTTP status; nothing was written."""

    status_code = 403

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotOwnerError(AccessError):
    """A change to a row the principal can read but does not own (a shared dataset)."""


class OverQuotaError(AccessError):
    status_code = 413


@contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Run a block as `principal` (tests, scripts); the web layer sets it per request."""
    token = current_principal.set(principal)
    try:
        yield
    finally:
        current_principal.reset(token)


def _scoped() -> Principal | None:
    """The principal whose view applies, or None when everything is visible."""
    principal = current_principal.get()
    return None if principal is None or principal.is_admin else principal


def _readable_datasets(user_id: int) -> Any:
    experiments, sweeps = Experiment.__table__, Sweep.__table__
    return or_(
        Dataset.owner_id == user_id,
        Dataset.shared.is_(True),
        Dataset.id.in_(select(experiments.c.dataset_id).where(experiments.c.owner_id == user_id)),
        Dataset.id.in_(select(sweeps.c.dataset_id).where(sweeps.c.owner_id == user_id)),
    )


@event.listens_for(Session, "do_orm_execute")
def _only_visible_rows(state: ORMExecuteState) -> None:
    principal = _scoped()
    if principal is None or not (state.is_select or state.is_update or state.is_delete):
        return
    user_id = principal.user_id
    datasets = _readable_datasets(user_id) if state.is_select else Dataset.owner_id == user_id
    state.statement = state.statement.options(
        with_loader_criteria(Dataset, datasets, include_aliases=True),
        with_loader_criteria(Sweep, Sweep.owner_id == user_id, include_aliases=True),
        with_loader_criteria(Experiment, Experiment.owner_id == user_id, include_aliases=True),
    )


def ensure_may_change(row: Dataset | Sweep | Experiment) -> None:
    """Called before a write with side effects outside the row (files, other rows), so that a
    refused change changes nothing; the flush check below is the backstop."""
    principal = _scoped()
    if principal is not None and row.owner_id != principal.user_id:
        raise NotOwnerError(_refusal(row))


def _refusal(row: Dataset | Sweep | Experiment) -> str:
    return f"Only the owner of {NOUNS[type(row)]} {row.id} may change or delete it; it is shared read-only."


def _check_quota(session: Session, principal: Principal) -> None:
    """New datasets must fit in the account's quota (checked before the upload's file moves into place)."""
    added = sum(row.size_bytes for row in session.new if isinstance(row, Dataset))
    if not added or principal.quota_bytes is None:
        return
    with session.no_autoflush:
        stored = session.scalar(
            select(func.coalesce(func.sum(Dataset.size_bytes), 0)).where(Dataset.owner_id == principal.user_id)
        )
    if int(stored or 0) + added > principal.quota_bytes:
        raise OverQuotaError(
            f"This dataset ({_mb(added)}) does not fit in your storage quota: your datasets use {_mb(stored or 0)} "
            f"of {_mb(principal.quota_bytes)}. Delete a dataset you no longer need, or ask an admin."
        )


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


@event.listens_for(Session, "before_flush")
def _owners_write(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    principal = current_principal.get()
    if principal is None:
        return
    for row in session.new:
        if isinstance(row, OWNED) and row.owner_id is None:
            row.owner_id = principal.user_id
    _check_quota(session, principal)
    if not principal.is_admin:
        for row in (*session.dirty, *session.deleted):
            if isinstance(row, OWNED) and row.owner_id != principal.user_id:
                raise NotOwnerError(_refusal(row))
    for row in list(session.deleted):  # every delete a person asks for goes to the audit log
        if isinstance(row, OWNED):
            session.add(AuditEvent(actor=principal.username, action="delete", detail=f"{NOUNS[type(row)]} {row.id}"))
