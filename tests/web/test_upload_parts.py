"""Upload parts never outlive their upload: removed when one fails or is cut off, and at start-up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

BOUNDARY = "layerlab-test-boundary"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(condition, what: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}.")
        time.sleep(0.05)


@pytest.fixture
def live_server(settings: Settings) -> Iterator[Settings]:
    port = _free_port()
    settings = settings.model_copy(update={"port": port})
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_for(lambda: server.started or not thread.is_alive(), "the server to start")
    assert thread.is_alive(), "the server did not start"
    yield settings
    server.should_exit = True
    thread.join(timeout=10)


def _parts(settings: Settings) -> list[Path]:
    return sorted(settings.datasets_dir.glob("upload-*.part"))


def test_an_upload_cut_off_mid_stream_leaves_no_part(live_server: Settings) -> None:
    settings = live_server
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
        "Content-Type: text/csv\r\n\r\na,b\r\n"
    ).encode()
    declared = len(head) + 20 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", settings.port)) as client:
        client.sendall(
            (
                "POST /api/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {declared}\r\n\r\n"
            ).encode()
            + head
        )
        row = b"1,2\r\n" * 20_000
        for _ in range(10):  # about 1 MB of the 20 MB promised
            client.sendall(row)
        _wait_for(lambda: any(part.stat().st_size > 0 for part in _parts(settings)), "the part file to fill")
    # The client has gone; once the server notices, nothing of the upload remains.
    _wait_for(lambda: not _parts(settings), "the part file to be removed")


def test_a_garbage_last_event_id_byte_keeps_the_stream(
    live_server: Settings, run_queued: Callable[[], int]
) -> None:
    """`²` sent as the raw byte 0xB2 (what HTTP allows): the whole stream is replayed."""
    with TestClient(create_app(live_server)) as setup:
        csv = "x,y,label\n" + "".join(f"{i % 7},{i * 0.5},{'ab'[i % 2]}\n" for i in range(40))
        dataset = setup.post("/api/datasets", files={"file": ("d.csv", csv.encode(), "text/csv")}).json()
        spec = {"dataset_id": dataset["id"], "label": "label", "training": {"epochs": 2}}
        assert setup.post("/api/experiments", json=spec).status_code == 202
    assert run_queued() == 1
    with socket.create_connection(("127.0.0.1", live_server.port)) as client:
        client.sendall(b"GET /api/experiments/1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: \xb2\r\n"
                       b"Connection: close\r\n\r\n")
        client.settimeout(20)
        answer, deadline = b"", time.monotonic() + 30
        while b"event: done" not in answer and time.monotonic() < deadline and (chunk := client.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert b"id: 1\r\n" in answer or b"id: 1\n" in answer
    assert b"event: done" in answer


def test_stale_parts_are_removed_at_start_up(settings: Settings) -> None:
    settings.datasets_dir.mkdir(parents=True, exist_ok=True)
    stale = settings.datasets_dir / "upload-abc123.part"
    stale.write_bytes(b"a,b\n1,2\n" * 1000)
    sample = settings.datasets_dir / "sample-def456.part"
    sample.write_bytes(b"x\n")
    kept = settings.datasets_dir / "notes.txt"
    kept.write_text("not ours to remove")
    with TestClient(create_app(settings)):
        assert not stale.exists() and not sample.exists()
        assert kept.exists()
