"""JSON request bodies validated in a worker thread, not on the event loop.

FastAPI validates a declared body model on the event loop; a large spec would stall
every other request meanwhile. `json_body(Model)` reads the (size-capped) body and
validates it in the thread pool; `document_json_bodies` keeps each model's schema
in the OpenAPI document as if it were declared the usual way.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

M = TypeVar("M", bound=BaseModel)

_DOCUMENTED: dict[str, type[BaseModel]] = {}


def json_body(model: type[M]) -> Any:
    """A dependency giving the body validated as `model` (422 with sentences otherwise)."""
    _DOCUMENTED[model.__name__] = model

    async def validated(request: Request) -> M:
        raw = await request.body()
        try:
            return await run_in_threadpool(model.model_validate_json, raw or b"null")
        except ValidationError as error:
            raise RequestValidationError(error.errors(include_url=False, include_context=False)) from error

    return Depends(validated)


def body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route whose body is `json_body(model)`."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def document_json_bodies(app: FastAPI) -> None:
    """Add every `json_body` model (and the models it uses) to the OpenAPI components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, model in _DOCUMENTED.items():
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(schema.pop("$defs", {}))
            components[name] = schema
        return document

    app.openapi = openapi  # type: ignore[method-assign]
