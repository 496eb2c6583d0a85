"""JSON API of accounts: sign in and out, users (admins), API tokens, sharing a dataset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.db.models import ApiToken, UserRole
from app.services import accounts, sharing
from app.web.auth import (
    SESSION_COOKIE,
    AdminDep,
    PrincipalDep,
    clear_session_cookie,
    client_address,
    set_session_cookie,
)
from app.web.deps import SessionDep, SettingsDep, dataset_or_404
from app.web.ids import PathId

router = APIRouter(prefix="/api", tags=["accounts"])

Text = Annotated[str, Field(max_length=1024)]


class Credentials(BaseModel):
    username: Text
    password: Text


class NewUser(Credentials):
    role: str = UserRole.MEMBER


class NewToken(BaseModel):
    name: Text


class Share(BaseModel):
    shared: bool


class Account(BaseModel):
    id: int
    username: str
    role: str


class TokenInfo(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class CreatedToken(TokenInfo):
    token: str


@router.post("/session", summary="Sign in: sets the session cookie")
async def sign_in(body: Credentials, request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    limiter = request.app.state.login_limiter
    # Argon2 takes tens of milliseconds of CPU: off the event loop.
    signed = await to_thread.run_sync(
        accounts.sign_in, session, settings, limiter, body.username, body.password, client_address(request)
    )
    principal = signed.principal
    response = Response(
        Account(id=principal.user_id, username=principal.username, role=principal.role).model_dump_json(),
        media_type="application/json",
    )
    set_session_cookie(response, request, signed.token, settings)
    return response


@router.get("/session", summary="Who is signed in")
def who(principal: PrincipalDep) -> Account:
    return Account(id=principal.user_id, username=principal.username, role=principal.role)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out: ends this session")
def sign_out(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    accounts.sign_out(session, principal, request.cookies.get(SESSION_COOKIE), client_address(request))
    response = Response(status_code=204)
    clear_session_cookie(response, request)
    return response


@router.post("/users", status_code=status.HTTP_201_CREATED, summary="Create an account (admins)")
async def create_user(body: NewUser, admin: AdminDep, session: SessionDep) -> Account:
    user = await to_thread.run_sync(accounts.create_user, session, admin, body.username, body.password, body.role)
    return Account(id=user.id, username=user.username, role=user.role)


@router.get("/users", summary="Every account (admins)")
def list_users(_admin: AdminDep, session: SessionDep) -> list[Account]:
    return [Account(id=u.id, username=u.username, role=u.role) for u in accounts.users(session)]


def _token_info(row: ApiToken) -> TokenInfo:
    return TokenInfo(id=row.id, name=row.name, created_at=row.created_at, last_used_at=row.last_used_at,
                     revoked=row.revoked_at is not None)


@router.post("/tokens", status_code=status.HTTP_201_CREATED, summary="Create an API token; shown only this once")
def create_token(body: NewToken, principal: PrincipalDep, session: SessionDep) -> CreatedToken:
    row, token = accounts.create_api_token(session, principal, body.name)
    return CreatedToken(**_token_info(row).model_dump(), token=token)


@router.get("/tokens", summary="Your API tokens (never the tokens themselves)")
def list_tokens(principal: PrincipalDep, session: SessionDep) -> list[TokenInfo]:
    return [_token_info(row) for row in accounts.tokens_of(session, principal)]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API token")
def revoke_token(token_id: PathId, principal: PrincipalDep, session: SessionDep) -> None:
    accounts.revoke_api_token(session, principal, token_id)


@router.put("/datasets/{dataset_id}/shared", summary="Share a dataset read-only with every account, or stop")
def share_dataset(dataset_id: PathId, body: Share, principal: PrincipalDep, session: SessionDep) -> Share:
    dataset = sharing.set_shared(session, principal, dataset_or_404(session, dataset_id), body.shared)
    return Share(shared=dataset.shared)
