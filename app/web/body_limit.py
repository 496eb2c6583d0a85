"""A cap on request bodies other than file uploads (JSON specs, forms), as ASGI middleware.

Checked on the declared Content-Length before anything is read, and again while the
body streams in (a chunked body declares no length). Multipart uploads pass through:
the CSV upload enforces its own, larger limit while it streams to disk.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.ids import parse_whole


class BodyTooLarge(HTTPException):
    """Raised from `receive`, so wherever the body is read it becomes the 413 sentence."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(413, body_too_large_sentence(limit_bytes))


def body_too_large_sentence(limit_bytes: int) -> str:
    return (
        f"The request body is larger than the {limit_bytes // 1024:,} KB limit for JSON and forms; "
        "send a large table as a CSV upload instead."
    )


def _is_upload(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"multipart/form-data"
    return False


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_bytes: int) -> None:
        self.app = app
        self.limit_bytes = limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        length = parse_whole(declared.decode("latin-1")) if declared is not None else None
        if length is not None and length > self.limit_bytes:
            await _refuse(scope, receive, send, self.limit_bytes)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit_bytes:
                    raise BodyTooLarge(self.limit_bytes)
            return message

        await self.app(scope, limited_receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit_bytes: int) -> None:
    response = JSONResponse({"detail": body_too_large_sentence(limit_bytes)}, status_code=413)
    await response(scope, receive, send)
