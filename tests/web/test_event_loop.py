"""No blocking work on the event loop: a route is a plain `def` (FastAPI runs it in its thread
pool) unless it must await the request itself, and then its database and CPU work runs in a
worker thread: no SQL statement ever runs on the event loop's thread."""

from __future__ import annotations

import asyncio
import inspect
import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.config import Settings
from app.main import create_app

# The only `async def` routes, and what each awaits; everything else they do runs in a thread.
ASYNC_ROUTES = {
    "upload_dataset": "streams the multipart upload to a file",
    "upload": "streams the multipart upload to a file (the home page's form)",
    "add_sample": "nothing but the service in a thread (the JSON API's handler)",
    "patch": "reads the JSON body",
    "put_threshold": "reads the JSON body",
    "predict": "reads the JSON body or streams the CSV upload",
    "predict_upload": "streams the CSV upload (the predict page's form)",
    "surface": "the explanation, computed in a thread",
    "dependence_curves": "the explanation, computed in a thread",
    "experiment_events": "the server-sent-events stream, polling the database from a thread",
}

CSV = "size,colour,direction\n" + "".join(
    f"{i % 30},{['red', 'blue', 'green'][i % 3]},{'up' if i % 30 >= 15 else 'down'}\n" for i in range(60)
)


def _runs_on_the_loop(endpoint: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(endpoint) or inspect.isasyncgenfunction(endpoint)


def _async_routes(settings: Settings) -> dict[str, str]:
    routes = [context.original_route for context in iter_route_contexts(create_app(settings).routes)]
    return {
        route.endpoint.__name__: route.path
        for route in routes
        if isinstance(route, APIRoute) and _runs_on_the_loop(route.endpoint)
    }


def test_only_routes_that_await_the_request_are_async(settings: Settings) -> None:
    found = _async_routes(settings)
    unexpected = {name: path for name, path in found.items() if name not in ASYNC_ROUTES}
    assert not unexpected, f"make these plain `def` routes, or run their work in a thread: {unexpected}"
    assert set(ASYNC_ROUTES) <= set(found), "the allow-list names a route that is no longer async"


@pytest.fixture
def sql_on_the_loop() -> Iterator[list[str]]:
    """Every SQL statement run on a thread with a running event loop (the server's loop)."""
    caught: list[str] = []

    def check(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            return  # the test's own thread (its worker run); Playwright may keep a loop running there
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: fine
        caught.append(statement.split("\n")[0][:80])

    event.listen(Engine, "before_cursor_execute", check)
    yield caught
    event.remove(Engine, "before_cursor_execute", check)


def test_async_routes_run_no_sql_on_the_event_loop(
    client: TestClient, run_queued: Callable[[], int], sql_on_the_loop: list[str]
) -> None:
    files = {"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")}
    dataset = client.post("/api/datasets", files=files).json()
    assert client.post("/datasets/upload", files={"file": ("bad.csv", io.BytesIO(b"x\n1\n"), "text/csv")},
                       headers={"accept": "text/html"}).status_code == 422
    assert client.post("/api/datasets/samples/iris").status_code == 201
    assert client.post("/api/datasets/samples/nope").status_code == 404
    assert client.patch(f"/api/datasets/{dataset['id']}", json={"missing_tokens": ["?"]}).status_code == 200
    spec = {"dataset_id": dataset["id"], "label": "direction", "training": {"epochs": 2}}
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    assert run_queued() == 1
    base = f"/api/experiments/{experiment_id}"
    assert client.put(f"{base}/threshold", json={"threshold": 0.4}).status_code == 200
    assert client.put("/api/experiments/999/threshold", json={"threshold": 0.4}).status_code == 404
    assert client.post(f"{base}/predict", json={"rows": [{"size": 3, "colour": "red"}]}).status_code == 200
    assert client.post(f"{base}/predict", files={"file": ("n.csv", io.BytesIO(b"size,colour\n3,red\n"))}
                       ).status_code == 200
    assert client.post(f"/experiments/{experiment_id}/predict", files={"file": ("n.csv", io.BytesIO(b"x\n1\n"))}
                       ).status_code == 422
    assert client.get(f"{base}/surface?x=size&y=colour").status_code == 200
    assert client.get(f"{base}/dependence?feature=size").status_code == 200
    with client.stream("GET", f"{base}/events") as stream:
        assert stream.status_code == 200 and "event: done" in stream.read().decode()
    assert sql_on_the_loop == []
