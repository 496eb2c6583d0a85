"""Accounts at the door: every request but a few public ones acts for a signed-in account.

`AuthMiddleware` (only with `LAYERLAB_AUTH=password`) reads the session cookie or an
`Authorization: Bearer` token, and either sets the principal for the whole request
(`app.db.ownership.current_principal`, which scopes every query to what the account may
see) or answers: 401 with a sentence for the API and htmx, a redirect to /login for pages.
Being a middleware, it guards every route, including routes added later.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from anyio import to_thread
from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.db.ownership import AccessError, Principal, current_principal
from app.services.accounts import principal_for

SESSION_COOKIE = "layerlab_session"
# What anyone may open: the sign-in form and its API twin, invite links, the static files.
PUBLIC_PATHS = frozenset({("GET", "/login"), ("POST", "/login"), ("POST", "/api/session")})
PUBLIC_PREFIXES = ("/static/", "/invite/")


def is_public(method: str, path: str) -> bool:
    method = "GET" if method == "HEAD" else method
    return (method, path) in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def _resolve(request: Request) -> Principal | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    bearer = _bearer(request.headers.get("authorization"))
    if not cookie and not bearer:
        return None
    with request.app.state.session_factory() as session:
        return principal_for(session, request.app.state.settings, cookie=cookie, bearer=bearer)


def login_redirect_target(path: str, query: str) -> str:
    target = path + (f"?{query}" if query else "")
    return "/login?next=" + quote(target, safe="/")


class AuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):  # files: no database lookup
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        principal = await to_thread.run_sync(_resolve, request)
        scope.setdefault("state", {})["principal"] = principal
        if principal is None and not is_public(request.method, request.url.path):
            await self._refuse(request)(scope, receive, send)
            return
        token = current_principal.set(principal)
        try:
            await self.app(scope, receive, send)
        finally:
            current_principal.reset(token)

    @staticmethod
    def _refuse(request: Request) -> Response:
        path = request.url.path
        if path.startswith("/api/") or request.headers.get("hx-request") == "true":
            headers = {"www-authenticate": "Bearer"}
            if request.headers.get("hx-request") == "true":
                headers["hx-redirect"] = "/login"
            detail = "Sign in first: send the session cookie from POST /api/session, or Authorization: Bearer <token>."
            return Response(json.dumps({"detail": detail}), status_code=401, headers=headers,
                             media_type="application/json")
        return Response(status_code=303, headers={"location": login_redirect_target(path, request.url.query)})


def principal_of_request(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise HTTPException(401, "Sign in first.")
    return principal


def admin_of_request(request: Request) -> Principal:
    principal = principal_of_request(request)
    if not principal.is_admin:
        raise HTTPException(403, "Only an admin may do this.")
    return principal


PrincipalDep = Annotated[Principal, Depends(principal_of_request)]
AdminDep = Annotated[Principal, Depends(admin_of_request)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, request: Request, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=int(settings.session_hours * 3600), path="/", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


async def access_error(request: Request, exc: AccessError) -> Response:
    """A refused write: the sentence as JSON, in the error page, or as a fragment for htmx."""
    templates, status = request.app.state.templates, exc.status_code
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": exc.detail}, status_code=status)
    if request.headers.get("hx-request") == "true":
        return templates.TemplateResponse(request, "_access_error.html", {"detail": exc.detail}, status_code=status)
    if "text/html" in request.headers.get("accept", ""):
        return templates.TemplateResponse(request, "error.html", {"detail": exc.detail, "status_code": status},
                                          status_code=status)
    return JSONResponse({"detail": exc.detail}, status_code=status)
