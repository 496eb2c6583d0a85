"""Every error is `{"detail": "a sentence a person understands"}`; never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.services.errors import ServiceError

logger = logging.getLogger("layerlab")


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """Pydantic's error list as sentences: `layers → 0 → units: must be at most 4096.`"""
    sentences = []
    for error in errors:
        if error.get("type") == "json_invalid":
            sentences.append("The request body is not valid JSON; check its quotes, commas and brackets.")
            continue
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        where = " → ".join(location)
        sentence = f"{where}: {message}" if where else message
        sentences.append(sentence if sentence.endswith(".") else sentence + ".")
    return " ".join(sentences) or "The request is not valid."


def _wants_page(request: Request) -> bool:
    """A person's browser navigating to a page, rather than an API client or htmx."""
    return (
        not request.url.path.startswith(("/api/", "/static/"))
        and "text/html" in request.headers.get("accept", "")
        and request.headers.get("hx-request") != "true"
    )


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if _wants_page(request):
        return request.app.state.templates.TemplateResponse(
            request,
            "error.html",
            {"detail": exc.detail, "status_code": exc.status_code},
            status_code=exc.status_code,
        )
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": describe_validation_errors(exc.errors())}, status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": "Something went wrong on our side; nothing was changed. Please try again."},
        status_code=500,
    )


async def _service_error(request: Request, exc: ServiceError) -> Response:
    """A service's refusal is answered like any HTTP error: JSON `detail`, or the error page."""
    return await _http_error(request, StarletteHTTPException(exc.status_code, exc.detail))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
