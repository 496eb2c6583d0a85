"""Pages of accounts: sign in, your account (password, API tokens), admin (users, invites, audit)."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.db.models import UserRole
from app.services import accounts, sharing
from app.services.errors import ServiceError
from app.web.auth import (
    SESSION_COOKIE,
    AdminDep,
    PrincipalDep,
    clear_session_cookie,
    client_address,
    set_session_cookie,
)
from app.web.deps import SessionDep, SettingsDep, dataset_or_404
from app.web.htmx import go_to, render
from app.web.ids import PathId

router = APIRouter(tags=["accounts"], include_in_schema=False)

FormText = Annotated[str, Form(max_length=1024)]


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never `//elsewhere` or `https://elsewhere`."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login")
async def login(
    request: Request, settings: SettingsDep, session: SessionDep,
    username: FormText = "", password: FormText = "", next: FormText = "/",
) -> Response:
    try:
        signed = await to_thread.run_sync(
            accounts.sign_in, session, settings, request.app.state.login_limiter, username, password,
            client_address(request),
        )
    except ServiceError as error:
        return render(request, "login.html", status_code=error.status_code, error=error.detail,
                      username=username, next=_safe_next(next))
    response = go_to(request, _safe_next(next))
    set_session_cookie(response, request, signed.token, settings)
    return response


@router.post("/logout")
def logout(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    accounts.sign_out(session, principal, request.cookies.get(SESSION_COOKIE), client_address(request))
    response = go_to(request, "/login")
    clear_session_cookie(response, request)
    return response


@router.post("/logout/everywhere")
def logout_everywhere(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    accounts.sign_out_everywhere(session, principal, client_address(request))
    response = go_to(request, "/login")
    clear_session_cookie(response, request)
    return response


def _account(request: Request, session: SessionDep, principal: PrincipalDep, status_code: int = 200,
             **context: object) -> HTMLResponse:
    tokens = accounts.tokens_of(session, principal)
    return render(request, "account.html", status_code=status_code, section="account", tokens=tokens, **context)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, principal: PrincipalDep, session: SessionDep) -> HTMLResponse:
    return _account(request, session, principal)


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(
    request: Request, principal: PrincipalDep, session: SessionDep, current: FormText = "", new: FormText = "",
) -> HTMLResponse:
    try:
        await to_thread.run_sync(accounts.change_own_password, session, principal, current, new)
    except ServiceError as error:
        return _account(request, session, principal, error.status_code, password_error=error.detail)
    return _account(request, session, principal, password_done=True)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, principal: PrincipalDep, session: SessionDep, name: FormText = "") -> HTMLResponse:
    try:
        row, token = accounts.create_api_token(session, principal, name)
    except ServiceError as error:
        return _account(request, session, principal, error.status_code, token_error=error.detail)
    return _account(request, session, principal, new_token=token, new_token_name=row.name)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: PathId, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    accounts.revoke_api_token(session, principal, token_id)
    return go_to(request, "/account")


@router.post("/datasets/{dataset_id}/shared")
def share_dataset(
    dataset_id: PathId, request: Request, principal: PrincipalDep, session: SessionDep, shared: FormText = "",
) -> Response:
    sharing.set_shared(session, principal, dataset_or_404(session, dataset_id), shared == "yes")
    return go_to(request, f"/datasets/{dataset_id}")


def _admin(request: Request, session: SessionDep, status_code: int = 200, **context: object) -> HTMLResponse:
    return render(
        request, "admin.html", status_code=status_code, section="admin", users=accounts.users(session),
        invites=accounts.invites(session), events=accounts.audit_events(session), roles=UserRole.ALL,
        storage=accounts.storage_by_user(session), quota_mb=request.app.state.settings.quota_mb, **context,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, _admin_user: AdminDep, session: SessionDep) -> HTMLResponse:
    return _admin(request, session)


@router.post("/admin/users", response_class=HTMLResponse)
async def admin_create_user(
    request: Request, admin: AdminDep, session: SessionDep,
    username: FormText = "", password: FormText = "", role: FormText = UserRole.MEMBER,
) -> HTMLResponse:
    try:
        await to_thread.run_sync(accounts.create_user, session, admin, username, password, role)
    except ServiceError as error:
        return _admin(request, session, error.status_code, user_error=error.detail, username=username)
    return _admin(request, session, user_done=username)


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
async def admin_reset_password(
    user_id: PathId, request: Request, admin: AdminDep, session: SessionDep, password: FormText = "",
) -> HTMLResponse:
    user = accounts.user_or_404(session, user_id)
    try:
        await to_thread.run_sync(accounts.reset_password, session, admin, user, password)
    except ServiceError as error:
        return _admin(request, session, error.status_code, row_error=error.detail, row_user=user.id)
    return _admin(request, session, row_done=f"The password of {user.username} was reset.", row_user=user.id)


@router.post("/admin/users/{user_id}/role", response_class=HTMLResponse)
def admin_set_role(
    user_id: PathId, request: Request, admin: AdminDep, session: SessionDep, role: FormText = "",
) -> HTMLResponse:
    user = accounts.user_or_404(session, user_id)
    try:
        accounts.set_role(session, admin, user, role)
    except ServiceError as error:
        return _admin(request, session, error.status_code, row_error=error.detail, row_user=user.id)
    return _admin(request, session, row_done=f"{user.username} is now {role}.", row_user=user.id)


@router.post("/admin/invites", response_class=HTMLResponse)
def admin_invite(
    request: Request, admin: AdminDep, settings: SettingsDep, session: SessionDep, role: FormText = UserRole.MEMBER,
) -> HTMLResponse:
    try:
        _invite, token = accounts.create_invite(session, settings, admin, role)
    except ServiceError as error:
        return _admin(request, session, error.status_code, invite_error=error.detail)
    return _admin(request, session, invite_link=str(request.base_url).rstrip("/") + f"/invite/{token}")


@router.get("/invite/{token}", response_class=HTMLResponse)
def invite_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    invite = accounts.open_invite(session, token)
    return render(request, "invite.html", token=token, role=invite.role)


@router.post("/invite/{token}", response_class=HTMLResponse)
async def accept_invite(
    token: str, request: Request, session: SessionDep, username: FormText = "", password: FormText = "",
) -> Response:
    try:
        await to_thread.run_sync(accounts.accept_invite, session, token, username, password)
    except ServiceError as error:
        if error.status_code == 404:
            raise
        return render(request, "invite.html", status_code=error.status_code, token=token, error=error.detail,
                      username=username)
    return go_to(request, "/login")
