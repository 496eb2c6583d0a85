"""A watched experiment's event stream holds no database connection between its polls.

A stream lasts as long as training: a connection held for it would sit "idle in
transaction" on PostgreSQL (holding table locks that block a migration) and take one
of the pool's few connections per open browser tab.
"""

from __future__ import annotations

import io
import time

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL

CSV = "a,b,label\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(90))
DEADLINE_SECONDS = 30.0


def test_an_open_stream_returns_its_connection_to_the_pool(client: TestClient) -> None:
    dataset = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")}).json()
    experiment = client.post("/api/experiments", json={"dataset_id": dataset["id"], "label": "label"}).json()
    pool = client.app.state.session_factory.kw["bind"].pool  # type: ignore[attr-defined]
    with client.stream("GET", f"/api/experiments/{experiment['id']}/events") as stream:
        lines = stream.iter_lines()
        while not next(lines).startswith("event: status"):  # the stream has read the experiment
            pass
        deadline = time.monotonic() + DEADLINE_SECONDS
        while pool.checkedout():  # a poll may hold one for a moment; none may stay held
            assert time.monotonic() < deadline, "the open event stream keeps a database connection"
            time.sleep(0.02)
