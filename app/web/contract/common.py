"""What every response model shares: strictness, timestamps, free-form JSON, and errors."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.data.stored_profile import StoredDocument

# Stored documents whose inner shape belongs to another module (a spec, metrics per split,
# a training summary): typed as a JSON object here, described where they are made.
JsonObject = dict[str, Any]
__all__ = ["Contract", "ErrorDetail", "JsonObject", "StoredDocument", "Timestamp", "error_responses"]

Timestamp = Annotated[str, Field(description="When, in ISO 8601 with its UTC offset", json_schema_extra={
    "format": "date-time"})]


class Contract(BaseModel):
    """A response body built by the server: an unknown field is a bug, not something to drop."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    """Every refusal: a 4xx status and one sentence that says what to change; nothing was changed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"detail": "There is no experiment 7."}]})

    detail: str = Field(description="A sentence a person understands")


ERROR_MEANINGS = {
    400: "The request could not be read (a broken upload, a missing form field)",
    404: "No such row (dataset, experiment, sweep, configuration or sample)",
    409: "Not now: the row is in a state that does not allow it (still running, not trained, already picked)",
    413: "The body is larger than the server accepts",
    415: "The body is not of a type this route reads",
    422: "The request is understood but not valid (a field, a spec against its dataset, an id)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that can answer with these 4xx codes, each as `{"detail": ...}`."""
    return {code: {"model": ErrorDetail, "description": ERROR_MEANINGS[code]} for code in codes}


def file_response(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a 200 that is a file, not JSON."""
    schema = {"type": "string", "format": "binary"} if "text" not in media_type else {"type": "string"}
    return {200: {"description": description, "content": {media_type: {"schema": schema}}}}
