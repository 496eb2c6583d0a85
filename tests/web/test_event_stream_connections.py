"""A watched experiment's event stream holds no database connection between its polls.

A stream lasts as long as training: a connection held for it would sit "idle in
transaction" on PostgreSQL (holding table locks that block a migration) and take one
of the pool's few connections per open browser tab.
"""

from __future__ import annotations

import io
import json
import threading
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


def _set(client: TestClient, experiment_id: int, **values: object) -> None:
    from sqlalchemy import update

    from app.db.models import Experiment

    with client.app.state.session_factory() as session:  # type: ignore[attr-defined]
        session.execute(update(Experiment).where(Experiment.id == experiment_id).values(**values))
        session.commit()


def test_a_step_that_ends_between_two_polls_still_reaches_the_page(client: TestClient) -> None:
    """Paused, a step trains one epoch and pauses again, often within one poll: the page
    must still hear of it, or its "Stepping…" button never comes back."""
    dataset = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")}).json()
    experiment = client.post("/api/experiments", json={"dataset_id": dataset["id"], "label": "label"}).json()
    _set(client, experiment["id"], status="running", pause_control="pause", epochs_done=1)
    # Ends the stream should no status event come (the failure), so the test cannot hang.
    ender = threading.Timer(DEADLINE_SECONDS, _set, (client, experiment["id"]), {"status": "completed"})
    try:
        with client.stream("GET", f"/api/experiments/{experiment['id']}/events") as stream:
            lines = stream.iter_lines()
            statuses = (json.loads(next(lines)[len("data: "):]) for line in lines if line == "event: status")
            assert next(statuses)["epochs_done"] == 1
            _set(client, experiment["id"], epochs_done=2)  # the step's epoch landed, pause_control is back
            ender.start()
            after = next(statuses)
            assert (after["status"], after["epochs_done"]) == ("running", 2)
    finally:
        ender.cancel()
