"""Accounts on an app: the door, the account routes and pages (only with `LAYERLAB_AUTH=password`)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.ownership import AccessError
from app.services.accounts import ensure_first_admin
from app.services.login_limits import LoginLimiter
from app.web import account_pages, api_accounts
from app.web.auth import AuthMiddleware, access_error


def install_accounts(app: FastAPI, settings: Settings) -> None:
    """Without accounts nothing changes: no middleware, no account routes."""
    app.add_exception_handler(AccessError, access_error)  # type: ignore[arg-type]
    if settings.auth != "password":
        return
    app.state.login_limiter = LoginLimiter()
    app.add_middleware(AuthMiddleware)
    app.include_router(api_accounts.router)
    app.include_router(account_pages.router)


def prepare_accounts(sessions: sessionmaker[Session], settings: Settings) -> None:
    """At start-up: the first admin, who adopts the rows of a former single-user server."""
    with sessions() as session:
        ensure_first_admin(session, settings)
