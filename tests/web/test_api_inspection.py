"""Inside the network over the API: snapshots and hints, pause / step / resume, the
decision surface and dependence curves."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.session import make_engine, make_session_factory
from app.jobs.worker import WorkerContext, run_next

CSV = "size,colour,weight,kind\n" + "".join(
    f"{i % 7},{['red', 'blue', 'green'][i % 3]},{(i * 37) % 11 + 0.5},{['cat', 'dog'][(i % 7) > 3]}\n"
    for i in range(90)
)


@pytest.fixture
def dataset_id(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("pets.csv", io.BytesIO(CSV.encode()), "text/csv")})
    return int(response.json()["id"])


def _queue(client: TestClient, dataset_id: int, label: str = "kind", **training: object) -> int:
    spec = {"dataset_id": dataset_id, "label": label, "layers": [{"units": 8}, {"units": 4, "activation": "tanh"}],
            "training": {"early_stopping_patience": None} | training}
    response = client.post("/api/experiments", json=spec)
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def _wait_for(client: TestClient, experiment_id: int, ready: Callable[[dict], bool], seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        body = client.get(f"/api/experiments/{experiment_id}").json()
        if ready(body):
            return body
        assert time.monotonic() < deadline, f"gave up waiting; last seen {body['status']} at {body['epochs_done']}"
        time.sleep(0.05)


@pytest.fixture
def worker(settings: Settings) -> Iterator[Callable[[], None]]:
    """`worker()` starts one worker thread that runs the next queued experiment."""
    engine = make_engine(settings.resolved_database_url)
    stopping = threading.Event()
    threads: list[threading.Thread] = []

    def start() -> None:
        context = WorkerContext(settings, make_session_factory(engine), "test-worker", stopping)
        thread = threading.Thread(target=run_next, args=(context,), daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stopping.set()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()


def test_snapshots_are_recorded_with_input_names_and_hints(
    client: TestClient, run_queued: Callable[[], int], dataset_id: int
) -> None:
    experiment_id = _queue(client, dataset_id, epochs=5)
    run_queued()
    body = client.get(f"/api/experiments/{experiment_id}/inspect").json()
    assert body["status"] == "completed"
    assert body["epochs"][0]["epoch"] == 1  # the first epoch is always recorded
    assert [e["epoch"] for e in body["epochs"]] == sorted({e["epoch"] for e in body["epochs"]})
    assert "colour=red" in body["inputs"] and "size" in body["inputs"]
    first = body["epochs"][0]["layers"]
    assert [layer["name"] for layer in first] == ["layer 1", "layer 2", "output"]
    assert [layer["units"] for layer in first] == [8, 4, 1]
    assert 0 <= first[0]["dead_share"] <= 1 and 0 <= first[1]["saturated_share"] <= 1
    assert isinstance(body["hints"], list)
    assert client.get("/api/experiments/999/inspect").status_code == 404


def test_pause_step_and_resume(client: TestClient, worker: Callable[[], None], dataset_id: int) -> None:
    experiment_id = _queue(client, dataset_id, epochs=40)
    assert client.post(f"/api/experiments/{experiment_id}/step").status_code == 409  # not paused yet
    paused = client.post(f"/api/experiments/{experiment_id}/pause")
    assert paused.status_code == 202 and paused.json()["pause_requested"] is True
    worker()
    body = _wait_for(client, experiment_id, lambda b: b["status"] == "paused")
    assert body["epochs_done"] == 1  # a pause asked before the start stops after the first epoch
    inspected = client.get(f"/api/experiments/{experiment_id}/inspect").json()
    assert inspected["status"] == "paused" and inspected["epochs"][-1]["epoch"] == 1

    assert _first_status_event(client, experiment_id)["status"] == "paused"

    for expected in (2, 3):
        assert client.post(f"/api/experiments/{experiment_id}/step").status_code == 202
        body = _wait_for(client, experiment_id, lambda b, n=expected: b["status"] == "paused" and b["epochs_done"] == n)
    inspected = client.get(f"/api/experiments/{experiment_id}/inspect").json()
    assert inspected["epochs"][-1]["epoch"] == 3  # a pause shows the epoch it stopped at

    assert client.post(f"/api/experiments/{experiment_id}/resume").status_code == 202
    body = _wait_for(client, experiment_id, lambda b: b["status"] == "completed")
    assert body["epochs_done"] == 40 and body["pause_requested"] is False
    assert client.post(f"/api/experiments/{experiment_id}/pause").status_code == 409
    assert client.post(f"/api/experiments/{experiment_id}/resume").status_code == 409


def test_cancel_while_paused_ends_the_run(client: TestClient, worker: Callable[[], None], dataset_id: int) -> None:
    experiment_id = _queue(client, dataset_id, epochs=40)
    client.post(f"/api/experiments/{experiment_id}/pause")
    worker()
    _wait_for(client, experiment_id, lambda b: b["status"] == "paused")
    client.post(f"/api/experiments/{experiment_id}/cancel")
    body = _wait_for(client, experiment_id, lambda b: b["status"] == "cancelled")
    assert body["epochs_done"] == 1


def _first_status_event(client: TestClient, experiment_id: int) -> dict:
    with client.stream("GET", f"/api/experiments/{experiment_id}/events?inspection=true") as response:
        event = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:") and event == "status":
                return json.loads(line.partition(":")[2])
            elif line.startswith("data:") and event == "epoch":
                assert "inspection" in json.loads(line.partition(":")[2])
    raise AssertionError("the stream ended without a status event")


def test_surface_and_dependence(client: TestClient, run_queued: Callable[[], int], dataset_id: int) -> None:
    experiment_id = _queue(client, dataset_id, epochs=3)
    assert client.get(f"/api/experiments/{experiment_id}/surface?x=size&y=weight").status_code == 409  # untrained
    run_queued()
    surface = client.get(f"/api/experiments/{experiment_id}/surface?x=size&y=colour").json()
    xs, ys = surface["x"]["values"], surface["y"]["values"]
    assert xs[0] == 0.0 and xs[-1] == 6.0 and sorted(ys) == ["blue", "green", "red"]
    assert len(surface["grid"]["class"]) == len(xs) * len(ys)
    assert surface["classes"] == ["cat", "dog"]
    assert set(surface["held_at"]) == {"size", "colour", "weight"}
    assert len(surface["points"]["x"]) == len(surface["points"]["actual"]) > 0
    bad = client.get(f"/api/experiments/{experiment_id}/surface?x=size&y=ghost")
    assert bad.status_code == 422 and "ghost" in bad.json()["detail"]

    curves = client.get(f"/api/experiments/{experiment_id}/dependence?feature=size&at.weight=3").json()
    assert curves["row"]["weight"] == "3" and len(curves["values"]) == 30
    assert set(curves["average"]) == {"cat", "dog"}
    for name in ("cat", "dog"):
        assert len(curves["individual"][name]) == len(curves["values"])
    total = [a + b for a, b in zip(curves["average"]["cat"], curves["average"]["dog"], strict=True)]
    assert total == pytest.approx([1.0] * len(total), abs=1e-4)
    wrong = client.get(f"/api/experiments/{experiment_id}/dependence?feature=size&at.weight=heavy")
    assert wrong.status_code == 422 and "weight needs a number" in wrong.json()["detail"]


@pytest.mark.parametrize("action", ["pause", "cancel"])
def test_panel_buttons_without_htmx_land_on_the_live_page(client: TestClient, dataset_id: int, action: str) -> None:
    """A button pressed before htmx has loaded posts a plain form: the browser must come
    back to the experiment's own page, which streams, not to a bare panel that never moves."""
    experiment_id = _queue(client, dataset_id, epochs=5)
    plain = client.post(f"/experiments/{experiment_id}/{action}", follow_redirects=False)
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/experiments/{experiment_id}"
    body = client.get(f"/api/experiments/{experiment_id}").json()
    assert (body["status"] == "cancelled") if action == "cancel" else body["pause_requested"]


def test_panel_buttons_with_htmx_get_the_panel_back(client: TestClient, dataset_id: int) -> None:
    experiment_id = _queue(client, dataset_id, epochs=5)
    swapped = client.post(f"/experiments/{experiment_id}/pause", headers={"hx-request": "true"})
    assert swapped.status_code == 200
    assert 'id="experiment-panel"' in swapped.text and "Pausing after this epoch" in swapped.text
