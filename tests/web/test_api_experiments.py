"""Experiments over the JSON API: spec validation, listing, and the SSE stream."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL

CSV = "size,colour,price,kind\n" + "".join(
    f"{i % 7},{['red', 'blue'][i % 2]},{i * 1.5:.1f},{['cat', 'dog', 'fox'][i % 3]}\n" for i in range(60)
)


@pytest.fixture
def dataset_id(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("pets.csv", io.BytesIO(CSV.encode()), "text/csv")})
    return int(response.json()["id"])


def spec(dataset_id: int, **changes: object) -> dict[str, object]:
    return {"dataset_id": dataset_id, "label": "kind", "training": {"epochs": 4}} | changes


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"label": "nope"}, 'The label "nope" is not a column'),
        ({"features": ["size", "ghost"]}, 'The feature "ghost" is not a column'),
        ({"features": ["kind", "size"]}, '"kind" is the label'),
        ({"split": {"train": 0.5, "validation": 0.2, "test": 0.2}}, "add up to 1"),
        ({"layers": [{"units": 0}]}, "units"),
        ({"layers": [{"units": 8}] * 40}, "at most"),
        ({"task": "regression"}, "regression"),
        ({"training": {"learning_rate": -1}}, "learning_rate"),
        ({"dataset_id": 999}, "There is no dataset 999."),
    ],
)
def test_invalid_specs_get_a_sentence(client: TestClient, dataset_id: int, changes: dict, expected: str) -> None:
    response = client.post("/api/experiments", json=spec(dataset_id) | changes)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert expected in detail
    assert client.get("/api/experiments").json() == []


def test_a_class_too_small_to_stratify(client: TestClient) -> None:
    csv = "x,label\n" + "".join(f"{i},{'a' if i else 'rare'}\n" for i in range(30))
    uploaded = client.post("/api/datasets", files={"file": ("r.csv", io.BytesIO(csv.encode()), "text/csv")})
    response = client.post("/api/experiments", json=spec(uploaded.json()["id"], label="label"))
    assert response.status_code == 422
    assert '"rare"' in response.json()["detail"]


def test_create_list_and_delete(client: TestClient, dataset_id: int) -> None:
    created = client.post("/api/experiments", json=spec(dataset_id))
    assert created.status_code == 202
    body = created.json()
    assert body["status"] == "queued" and body["queue_position"] == 1
    assert body["spec"]["split"] == {"train": 0.67, "validation": 0.21, "test": 0.12, "stratify": True, "seed": 0}
    assert body["topology"] == "64 relu"
    assert [e["id"] for e in client.get(f"/api/experiments?dataset_id={dataset_id}").json()] == [body["id"]]
    assert client.get("/api/experiments?dataset_id=12345").json() == []
    assert client.delete(f"/api/experiments/{body['id']}").status_code == 204
    assert client.get(f"/api/experiments/{body['id']}").status_code == 404


def _events(
    client: TestClient, experiment_id: int, last_event_id: str | None = None
) -> list[tuple[str, str | None, dict]]:
    """Parse the stream as a browser does: fields accumulate until a blank line."""
    headers = {"last-event-id": last_event_id} if last_event_id else {}
    events: list[tuple[str, str | None, dict]] = []
    fields: dict[str, str] = {}
    with client.stream("GET", f"/api/experiments/{experiment_id}/events", headers=headers) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line == "":
                if "data" in fields:
                    events.append((fields.get("event", "message"), fields.get("id"), json.loads(fields["data"])))
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
    return events


def _train(client: TestClient, run_queued: Callable[[], int], dataset_id: int, **training: object) -> int:
    experiment_id = client.post("/api/experiments", json=spec(dataset_id, training=training)).json()["id"]
    run_queued()
    return int(experiment_id)


def test_stream_replays_epochs_in_order_then_done(
    client: TestClient, run_queued: Callable[[], int], dataset_id: int
) -> None:
    experiment_id = _train(client, run_queued, dataset_id, epochs=6, early_stopping_patience=None)
    events = _events(client, experiment_id)
    epochs = [data for name, _, data in events if name == "epoch"]
    assert [row["epoch"] for row in epochs] == [1, 2, 3, 4, 5, 6]
    assert [ident for name, ident, _ in events if name == "epoch"] == ["1", "2", "3", "4", "5", "6"]
    assert set(epochs[0]) == {"epoch", "train_loss", "val_loss", "train_metric", "val_metric", "seconds"}
    assert events[-1][0] == "done" and events[-1][2]["status"] == "completed"
    assert [name for name, _, _ in events].count("status") == 1


def test_stream_resumes_after_last_event_id(client: TestClient, run_queued: Callable[[], int], dataset_id: int) -> None:
    experiment_id = _train(client, run_queued, dataset_id, epochs=6, early_stopping_patience=None)
    resumed = [data["epoch"] for name, _, data in _events(client, experiment_id, "4") if name == "epoch"]
    assert resumed == [5, 6]


def test_stream_of_a_queued_experiment_shows_its_status(client: TestClient, dataset_id: int) -> None:
    experiment_id = client.post("/api/experiments", json=spec(dataset_id)).json()["id"]
    client.post(f"/api/experiments/{experiment_id}/cancel")
    events = _events(client, experiment_id)
    assert [name for name, _, _ in events] == ["status", "done"]
    assert events[-1][2]["status"] == "cancelled"


def test_stream_of_a_missing_experiment_is_404(client: TestClient) -> None:
    assert client.get("/api/experiments/777/events").status_code == 404


def test_a_broken_json_body_is_a_sentence(client: TestClient) -> None:
    response = client.post("/api/experiments", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("The request body is not valid JSON")


def test_specs_are_validated_off_the_event_loop(
    client: TestClient, dataset_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large spec must not stall every other request while it is checked."""
    import asyncio

    from app import specs

    where: list[str] = []
    original = specs.first_repeated

    def spy(values: list[str]) -> object:
        try:
            asyncio.get_running_loop()
            where.append("event loop")
        except RuntimeError:
            where.append("worker thread")
        return original(values)

    monkeypatch.setattr(specs, "first_repeated", spy)
    assert client.post("/api/experiments", json=spec(dataset_id, features=["size"])).status_code == 202
    sweep = {"base": spec(dataset_id), "space": {"units": [4, 8]}}
    assert client.post("/api/sweeps/estimate", json=sweep).status_code == 200
    assert client.post("/api/sweeps", json=sweep).status_code == 202
    assert len(where) >= 3 and set(where) == {"worker thread"}


def test_the_spec_schema_stays_in_the_openapi_document(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/api/experiments"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ExperimentSpec"}
    assert "training" in schema["components"]["schemas"]["ExperimentSpec"]["properties"]
    assert "TrainingSpec" in schema["components"]["schemas"]
    sweep = schema["paths"]["/api/sweeps"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert sweep == {"$ref": "#/components/schemas/SweepRequest"}
