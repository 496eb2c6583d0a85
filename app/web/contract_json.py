"""A response model's JSON, serialised in the route's own worker thread.

Returned as a model, FastAPI validates it again in a second trip to the thread pool and
serialises it on the event loop; a route under load returns `contract_json(model)` instead
and declares `response_model=` for the schema. The bytes are those FastAPI would send
(the model's `model_dump_json` by alias).
"""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel


def contract_json(model: BaseModel, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json")
