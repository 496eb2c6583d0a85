"""What one request of the busiest routes costs the server: one trip to the thread pool, a
session that is closed by the end of the request, and no column the page does not show.

Every trip to the thread pool is a hand-over of the GIL between the event loop and a worker
thread; with several readers at once those hand-overs queue, so the home page and an
experiment's JSON each make exactly one (the route itself)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db.migrations import upgrade_to_head
from app.db.models import User
from app.db.session import make_engine, make_session_factory
from tests.conftest import Database

pytestmark = pytest.mark.databases

CSV = "size,colour,direction\n" + "".join(
    f"{i % 30},{['red', 'blue', 'green'][i % 3]},{'up' if i % 30 >= 15 else 'down'}\n" for i in range(60)
)


@pytest.fixture
def trained(client: TestClient, run_queued: Callable[[], int]) -> int:
    files = {"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")}
    dataset = client.post("/api/datasets", files=files).json()
    spec = {"dataset_id": dataset["id"], "label": "direction", "training": {"epochs": 2}}
    experiment_id = int(client.post("/api/experiments", json=spec).json()["id"])
    assert run_queued() == 1
    return experiment_id


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function the app runs in its thread pool."""
    made: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        made.append(getattr(function, "__qualname__", repr(function)))
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return made


@pytest.fixture
def route_trips(database: Database) -> int:
    """The route's own trip, plus closing the session on a database that answers over the network."""
    return 1 if database.backend == "sqlite" else 2


def test_the_home_page_takes_one_trip_to_the_thread_pool(
    client: TestClient, trained: int, trips: list[str], route_trips: int
) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "d.csv" in page.text
    assert len(trips) == route_trips, trips


def test_an_experiments_json_takes_one_trip_to_the_thread_pool(
    client: TestClient, trained: int, trips: list[str], route_trips: int
) -> None:
    body = client.get(f"/api/experiments/{trained}").json()
    assert body["id"] == trained and body["status"] == "completed"
    assert len(trips) == route_trips, trips


def test_an_unknown_experiment_is_still_a_404_sentence(
    client: TestClient, trips: list[str], route_trips: int
) -> None:
    response = client.get("/api/experiments/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no experiment 999."}
    assert len(trips) == route_trips, trips


def test_every_session_is_closed_when_its_request_ends(client: TestClient, trained: int) -> None:
    """Each request's own sessions (the supervisor's thread polls with the same pool meanwhile)."""
    state = client.app.state  # type: ignore[attr-defined]
    made, factory = [], state.session_factory

    def recording() -> Any:
        made.append(factory())
        return made[-1]

    state.session_factory = recording
    try:
        for path in ("/", f"/api/experiments/{trained}", "/api/experiments/999", "/api/datasets"):
            made.clear()
            client.get(path)
            assert made and all(session.get_transaction() is None for session in made), path
    finally:
        state.session_factory = factory


def test_the_home_page_reads_only_the_columns_it_shows(
    client: TestClient, trained: int, statements: list[str]
) -> None:
    client.get("/")
    listing = [s for s in statements if "FROM datasets" in s]
    assert listing, statements
    for statement in listing:
        for heavy in ("datasets.profile", "datasets.notices", "datasets.read_options"):
            assert heavy not in statement, statement


def test_static_links_follow_the_address_the_page_was_asked_at(client: TestClient) -> None:
    """Static URLs are worked out once per address, not once per page, and still name that address."""
    for host in ("127.0.0.1", "localhost", "127.0.0.1"):
        page = client.get("/", headers={"host": f"{host}:8000"}).text
        assert f'href="http://{host}:8000/static/layerlab.css"' in page
        assert f'src="http://{host}:8000/static/app.js"' in page


def test_a_session_closes_on_the_loop_only_when_that_does_no_io(tmp_path: Path) -> None:
    from app.web.deps import closes_in_memory

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_to_head(str(engine.url))
    sessions = make_session_factory(engine)
    with sessions() as session:
        assert closes_in_memory(session)  # never connected
        session.scalars(select(User)).all()
        assert closes_in_memory(session)  # a read: SQLite opened no transaction
        session.add(User(username="ada", password_hash="x"))
        session.flush()
        assert not closes_in_memory(session)  # a write is open: its rollback is real work
        session.rollback()
        session.add_all([User(username="bo", password_hash="x"), User(username="bo", password_hash="y")])
        with pytest.raises(IntegrityError):
            session.flush()
        assert not closes_in_memory(session)  # a failed flush: no error here, the close runs in a thread
    engine.dispose()
