"""`/api/docs`: FastAPI's interactive docs (Swagger UI), vendored and started from a static
script, so the page runs under the same Content-Security-Policy as every other (no inline
JavaScript, nothing from a CDN). FastAPI's `get_swagger_ui_html` writes its start-up code
inline, which our policy refuses; `static/api-docs.js` does the same with the same options."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web.htmx import render

router = APIRouter(include_in_schema=False)

SWAGGER_UI_VERSION = "5.35.0"  # static/vendor/swagger-ui-bundle-<version>.js, from npm swagger-ui-dist


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return render(request, "api_docs.html", openapi_url=request.app.openapi_url, version=SWAGGER_UI_VERSION)
