"""Rendering helpers shared by the HTML routers: full pages or htmx fragments."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def go_to(request: Request, url: str) -> Response:
    """Navigate after a successful action: htmx follows HX-Redirect, plain forms a 303."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def fragment_or_page(
    request: Request, name: str, page_url: str, context: Callable[[], Mapping[str, Any]]
) -> Response:
    """After an action on a piece of a page: htmx swaps the fragment in, while a plain form
    (pressed before htmx loaded, or without JavaScript) goes back to the whole page, which
    streams; a bare fragment at the action's address would never move again. `context` is
    only built for the fragment."""
    if is_htmx(request):
        return render(request, name, **context())
    return RedirectResponse(page_url, status_code=303)
