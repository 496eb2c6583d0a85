"""`/openapi.json` as the server really answers: every 4xx is `{"detail": "a sentence"}`.

FastAPI documents a 422 of its own (`HTTPValidationError`, a list of error objects) on
every route with parameters, and gives an error the media type of the route's success
(`text/event-stream` for the event stream). We never send either: app/web/errors.py turns
validation errors into one sentence, as JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.web.contract.common import ERROR_MEANINGS, ErrorDetail

ERROR_REF = {"$ref": "#/components/schemas/ErrorDetail"}
FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")


def real_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Point every 4xx response at `ErrorDetail`, as JSON; drop FastAPI's unused error schemas."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for code, response in operation.get("responses", {}).items():
                if not code.startswith("4"):
                    continue
                response["content"] = {"application/json": {"schema": ERROR_REF}}
                if response.get("description") in (None, "", "Validation Error"):
                    response["description"] = ERROR_MEANINGS.get(int(code), "Refused")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    schemas["ErrorDetail"] = ErrorDetail.model_json_schema()
    return document


def document_real_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        return real_errors(generate())

    app.openapi = openapi  # type: ignore[method-assign]
