"""Account use cases: sign in and out, who a request acts for, users, API tokens, invites.

Passwords are hashed with Argon2id (argon2-cffi). Session and API tokens are 256 random
bits; only their SHA-256 is stored, found by an indexed lookup and compared again with
`hmac.compare_digest`. A wrong username costs the same Argon2 work as a wrong password.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import accounts as store
from app.db.models import ApiToken, AuditEvent, Invite, User, UserRole, utc_now
from app.db.ownership import Principal
from app.services.errors import ServiceError
from app.services.login_limits import LoginLimiter

MIN_PASSWORD = 8
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TOKEN_PREFIX = "ll_"
LAST_USED_STEP = timedelta(minutes=1)  # a busy script does not write on every request

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password nobody has")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def principal_of(user: User, settings: Settings | None = None) -> Principal:
    quota = settings.quota_mb if settings else None
    return Principal(user_id=user.id, username=user.username, role=user.role,
                     quota_bytes=int(quota * 1024 * 1024) if quota is not None else None)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ServiceError(422, f"A password needs at least {MIN_PASSWORD} characters.")


def check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise ServiceError(
            422, "A username is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit."
        )


def check_role(role: str) -> None:
    if role not in UserRole.ALL:
        raise ServiceError(422, f"The role {role!r} is not one of: {', '.join(UserRole.ALL)}.")


# --- Start-up -----------------------------------------------------------------------------

def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_refusal(settings: Settings) -> str | None:
    """Why this server must not listen on its address, or None when it may."""
    if settings.auth == "none" and not is_loopback(settings.host):
        return (
            f"LayerLab will not listen on {settings.host} without accounts: with LAYERLAB_AUTH=none anyone who "
            "can reach the port could see and delete everything. Set LAYERLAB_AUTH=password (with "
            "LAYERLAB_ADMIN_USERNAME and LAYERLAB_ADMIN_PASSWORD for the first admin), or listen on 127.0.0.1."
        )
    return None


def ensure_first_admin(session: Session, settings: Settings) -> None:
    """With accounts on: create the first admin when there are no users; the first admin adopts
    every row without an owner (the work of a former single-user server). Raises ServiceError
    when there is no user and no admin to create."""
    if settings.auth != "password":
        return
    if store.count_users(session=session) == 0:
        username = settings.admin_username
        password = settings.admin_password.get_secret_value() if settings.admin_password else None
        if not username or not password:
            raise ServiceError(
                400,
                "LAYERLAB_AUTH=password needs a first admin: set LAYERLAB_ADMIN_USERNAME and LAYERLAB_ADMIN_PASSWORD.",
            )
        check_username(username)
        check_password(password)
        store.create_user(
            session=session, username=username, password_hash=hash_password(password), role=UserRole.ADMIN
        )
        store.record_audit(session=session, actor=None, action="user.create", detail=f"{username} (admin, first)",
                           address=None)
    admin = store.first_admin(session=session)
    if admin is not None:
        adopted = store.adopt_unowned_rows(session=session, user_id=admin.id)
        if adopted:
            store.record_audit(session=session, actor=None, action="adopt",
                               detail=f"{admin.username} adopted {adopted} rows without an owner", address=None)
    session.commit()


# --- Signing in ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SignIn:
    principal: Principal
    token: str  # the cookie's value; only its hash is stored


def sign_in(
    session: Session, settings: Settings, limiter: LoginLimiter, username: str, password: str, address: str
) -> SignIn:
    if limiter.blocked(username, address):
        store.record_audit(session=session, actor=username[:64], action="login.limited", detail="", address=address)
        session.commit()
        raise ServiceError(429, "Too many failed sign-ins; wait a few minutes before trying again.")
    user = store.user_by_name(session=session, username=username)
    if not _verify(user.password_hash if user else _DUMMY_HASH, password) or user is None:
        limiter.failed(username, address)
        store.record_audit(session=session, actor=username[:64], action="login.failed", detail="", address=address)
        session.commit()
        raise ServiceError(401, "The username or the password is wrong.")
    limiter.succeeded(username)
    token = secrets.token_urlsafe(32)
    store.add_login_session(session=session, user_id=user.id, token_hash=hash_token(token),
                            expires_at=utc_now() + timedelta(hours=settings.session_hours))
    store.record_audit(session=session, actor=user.username, action="login", detail="", address=address)
    session.commit()
    return SignIn(principal_of(user), token)


def sign_out(session: Session, principal: Principal, token: str | None, address: str | None) -> None:
    if token:
        store.revoke_login_sessions(session=session, user_id=principal.user_id, token_hash=hash_token(token))
    store.record_audit(session=session, actor=principal.username, action="logout", detail="", address=address)
    session.commit()


def sign_out_everywhere(session: Session, principal: Principal, address: str | None) -> None:
    """End every sign-in of the account (a lost laptop, a shared computer)."""
    store.revoke_login_sessions(session=session, user_id=principal.user_id)
    store.record_audit(session=session, actor=principal.username, action="logout.all", detail="", address=address)
    session.commit()


def principal_for(
    session: Session, settings: Settings, *, cookie: str | None, bearer: str | None
) -> Principal | None:
    """The account a request's session cookie or bearer token stands for, or None."""
    if bearer:
        digest = hash_token(bearer)
        token = store.live_api_token(session=session, token_hash=digest)
        if token is None or not hmac.compare_digest(token.token_hash, digest):
            return None
        now = utc_now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_STEP:
            token.last_used_at = now
            session.commit()
        user = store.get_user(session=session, user_id=token.user_id)
        return principal_of(user, settings) if user else None
    if cookie:
        digest = hash_token(cookie)
        login = store.live_login_session(session=session, token_hash=digest)
        if login is None or not hmac.compare_digest(login.token_hash, digest):
            return None
        user = store.get_user(session=session, user_id=login.user_id)
        return principal_of(user, settings) if user else None
    return None


# --- Users (admins) -----------------------------------------------------------------------

def create_user(session: Session, actor: Principal, username: str, password: str, role: str) -> User:
    check_username(username)
    check_password(password)
    check_role(role)
    if store.user_by_name(session=session, username=username) is not None:
        raise ServiceError(409, f"There is already a user named {username!r}.")
    user = store.create_user(session=session, username=username, password_hash=hash_password(password), role=role)
    store.record_audit(session=session, actor=actor.username, action="user.create", detail=f"{username} ({role})",
                       address=None)
    session.commit()
    return user


def users(session: Session) -> Sequence[User]:
    return store.list_users(session=session)


def storage_by_user(session: Session) -> dict[int, int]:
    """Bytes of datasets each account owns (the admin page shows them beside the quota)."""
    return store.stored_bytes_by_owner(session=session)


def user_or_404(session: Session, user_id: int) -> User:
    user = store.get_user(session=session, user_id=user_id)
    if user is None:
        raise ServiceError(404, f"There is no user {user_id}.")
    return user


def reset_password(session: Session, actor: Principal, user: User, password: str) -> None:
    """A new password; every sign-in of the user ends."""
    check_password(password)
    user.password_hash = hash_password(password)
    store.revoke_login_sessions(session=session, user_id=user.id)
    store.record_audit(session=session, actor=actor.username, action="user.password", detail=user.username,
                       address=None)
    session.commit()


def change_own_password(session: Session, principal: Principal, current: str, new: str) -> None:
    user = user_or_404(session, principal.user_id)
    if not _verify(user.password_hash, current):
        raise ServiceError(422, "The current password is wrong; the password was not changed.")
    reset_password(session, principal, user, new)


def set_role(session: Session, actor: Principal, user: User, role: str) -> None:
    check_role(role)
    if user.id == actor.user_id and role != UserRole.ADMIN:
        raise ServiceError(409, "You cannot take away your own admin role; ask another admin.")
    user.role = role
    store.record_audit(session=session, actor=actor.username, action="user.role", detail=f"{user.username} → {role}",
                       address=None)
    session.commit()


# --- API tokens ---------------------------------------------------------------------------

def create_api_token(session: Session, principal: Principal, name: str) -> tuple[ApiToken, str]:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ServiceError(422, "A token needs a name of 1 to 100 characters, to tell it apart later.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = store.add_api_token(session=session, user_id=principal.user_id, name=name, token_hash=hash_token(token))
    store.record_audit(session=session, actor=principal.username, action="token.create", detail=name, address=None)
    session.commit()
    return row, token


def tokens_of(session: Session, principal: Principal) -> Sequence[ApiToken]:
    return store.list_api_tokens(session=session, user_id=principal.user_id)


def revoke_api_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    row = store.get_api_token(session=session, user_id=principal.user_id, token_id=token_id)
    if row is None:
        raise ServiceError(404, f"You have no token {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = utc_now()
        store.record_audit(session=session, actor=principal.username, action="token.revoke", detail=row.name,
                           address=None)
        session.commit()
    return row


# --- Invites ------------------------------------------------------------------------------

def create_invite(session: Session, settings: Settings, actor: Principal, role: str) -> tuple[Invite, str]:
    check_role(role)
    token = secrets.token_urlsafe(24)
    invite = store.add_invite(session=session, token_hash=hash_token(token), role=role, created_by=actor.user_id,
                              expires_at=utc_now() + timedelta(hours=settings.invite_hours))
    store.record_audit(session=session, actor=actor.username, action="invite.create", detail=role, address=None)
    session.commit()
    return invite, token


def open_invite(session: Session, token: str) -> Invite:
    invite = store.open_invite(session=session, token_hash=hash_token(token))
    if invite is None:
        raise ServiceError(404, "This invite link is unknown, used or expired; ask for a new one.")
    return invite


def accept_invite(session: Session, token: str, username: str, password: str) -> User:
    invite = open_invite(session, token)
    check_username(username)
    check_password(password)
    if store.user_by_name(session=session, username=username) is not None:
        raise ServiceError(409, f"There is already a user named {username!r}; pick another name.")
    user = store.create_user(session=session, username=username, password_hash=hash_password(password),
                             role=invite.role)
    invite.used_at = utc_now()
    store.record_audit(session=session, actor=username, action="invite.accept", detail=f"{username} ({invite.role})",
                       address=None)
    session.commit()
    return user


def audit(session: Session, principal: Principal, action: str, detail: str) -> None:
    """Record a delete or a share done by `principal` (committed with the caller's change)."""
    store.record_audit(session=session, actor=principal.username, action=action, detail=detail, address=None)


def invites(session: Session) -> Sequence[Invite]:
    return store.list_open_invites(session=session)


def audit_events(session: Session) -> Sequence[AuditEvent]:
    return store.recent_audit(session=session)
