"""Storage of accounts: users, sign-in sessions, API tokens, invites and the audit log.

Tokens are stored as their SHA-256 only; the token itself is shown once and never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db.models import (
    ApiToken,
    AuditEvent,
    Dataset,
    Experiment,
    Invite,
    LoginSession,
    Sweep,
    User,
    UserRole,
    utc_now,
)


def count_users(*, session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def get_user(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_name(*, session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.username) == username.lower())).first()


def list_users(*, session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.username)).all()


def create_user(*, session: Session, username: str, password_hash: str, role: str) -> User:
    user = User(username=username, password_hash=password_hash, role=role)
    session.add(user)
    session.flush()
    return user


def first_admin(*, session: Session) -> User | None:
    return session.scalars(select(User).where(User.role == UserRole.ADMIN).order_by(User.id)).first()


def adopt_unowned_rows(*, session: Session, user_id: int) -> int:
    """Give every dataset, sweep and experiment without an owner to `user_id`; the rows adopted."""
    adopted = 0
    for model in (Dataset, Sweep, Experiment):
        result = session.execute(update(model).where(model.owner_id.is_(None)).values(owner_id=user_id))
        adopted += result.rowcount or 0  # type: ignore[attr-defined]
    return adopted


def add_login_session(*, session: Session, user_id: int, token_hash: str, expires_at: datetime) -> LoginSession:
    row = LoginSession(user_id=user_id, token_hash=token_hash, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def live_login_session(*, session: Session, token_hash: str) -> LoginSession | None:
    return session.scalars(
        select(LoginSession).where(
            LoginSession.token_hash == token_hash,
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > utc_now(),
        )
    ).first()


def revoke_login_sessions(*, session: Session, user_id: int, token_hash: str | None = None) -> None:
    """End one sign-in (by its token) or, without a token, every sign-in of the user."""
    condition = [LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)]
    if token_hash is not None:
        condition.append(LoginSession.token_hash == token_hash)
    session.execute(update(LoginSession).where(*condition).values(revoked_at=utc_now()))


def add_api_token(*, session: Session, user_id: int, name: str, token_hash: str) -> ApiToken:
    row = ApiToken(user_id=user_id, name=name, token_hash=token_hash)
    session.add(row)
    session.flush()
    return row


def live_api_token(*, session: Session, token_hash: str) -> ApiToken | None:
    return session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    ).first()


def list_api_tokens(*, session: Session, user_id: int) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())).all()


def get_api_token(*, session: Session, user_id: int, token_id: int) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)).first()


def add_invite(*, session: Session, token_hash: str, role: str, created_by: int, expires_at: datetime) -> Invite:
    row = Invite(token_hash=token_hash, role=role, created_by=created_by, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def open_invite(*, session: Session, token_hash: str) -> Invite | None:
    return session.scalars(
        select(Invite).where(Invite.token_hash == token_hash, Invite.used_at.is_(None), Invite.expires_at > utc_now())
    ).first()


def list_open_invites(*, session: Session) -> Sequence[Invite]:
    return session.scalars(
        select(Invite).where(Invite.used_at.is_(None), Invite.expires_at > utc_now()).order_by(Invite.id.desc())
    ).all()


def record_audit(*, session: Session, actor: str | None, action: str, detail: str, address: str | None) -> None:
    session.add(AuditEvent(actor=actor, action=action, detail=detail, address=address))


def recent_audit(*, session: Session, limit: int = 200) -> Sequence[AuditEvent]:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()


def stored_bytes_by_owner(*, session: Session) -> dict[int, int]:
    """The size of the datasets each account owns."""
    rows = session.execute(
        select(Dataset.owner_id, func.sum(Dataset.size_bytes)).where(Dataset.owner_id.is_not(None))
        .group_by(Dataset.owner_id)
    ).all()
    return {int(owner): int(total or 0) for owner, total in rows}
