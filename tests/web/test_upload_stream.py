"""A multipart upload streamed in many small chunks: the stored file and its digest are the
sent file's, whatever the chunk boundaries cut (here, often inside a CRLF followed by "-",
which the multipart parser first takes for the start of its boundary)."""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from starlette.requests import Request

from app.web.uploads import receive_csv_upload

BOUNDARY = b"----LayerLabBoundary7MA4YWxk"


def _request(body: bytes, chunk_size: int) -> Request:
    chunks = [body[start : start + chunk_size] for start in range(0, len(body), chunk_size)]
    messages = iter([{"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks])

    async def receive() -> dict:
        return next(messages, {"type": "http.request", "body": b"", "more_body": False})

    headers = [
        (b"content-type", b"multipart/form-data; boundary=" + BOUNDARY),
        (b"content-length", str(len(body)).encode()),
    ]
    return Request({"type": "http", "method": "POST", "path": "/api/datasets", "headers": headers}, receive)


def _receive(request: Request, temp_dir: Path):  # type: ignore[no-untyped-def]
    """On a thread of its own with a loop of its own: a browser test earlier in the run may
    leave an event loop running on the main thread."""

    def run():  # type: ignore[no-untyped-def]
        return asyncio.run(receive_csv_upload(request, temp_dir=temp_dir, limit_bytes=10**7, with_sha256=True))

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def test_a_file_streamed_in_small_chunks_is_stored_and_hashed_whole(tmp_path: Path) -> None:
    content = b"x,y\r\n" + b"".join(b"-%d,-%d.5\r\n" % (i, i * 3) for i in range(4000))
    body = (
        b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="signs.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + content + b"\r\n--" + BOUNDARY + b"--\r\n"
    )
    for chunk_size in (13, 4096):
        received = _receive(_request(body, chunk_size), tmp_path)
        assert received.path.read_bytes() == content
        assert received.sha256 == hashlib.sha256(content).hexdigest()
        assert (received.filename, received.size) == ("signs.csv", len(content))
        received.path.unlink()
