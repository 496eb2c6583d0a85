"""Sweeps over the JSON API and the pages: queue, run, the blind leaderboard, cancel, reveal, promote."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.session import make_engine, make_session_factory
from app.jobs.worker import WorkerContext, run_next

CSV = "x1,x2,colour,kind\n" + "".join(
    f"{(2 if i % 2 else -2) + (i % 5) * 0.3:.2f},{(2 if i % 2 else -2) - (i % 3) * 0.4:.2f},"
    f"{['red', 'green', 'blue'][i % 3]},{'round' if i % 2 else 'square'}\n"
    for i in range(90)
)

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL


@pytest.fixture
def dataset_id(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("blobs.csv", io.BytesIO(CSV.encode()), "text/csv")})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def sessions(client: TestClient, settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.resolved_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def run_all(settings: Settings, sessions: sessionmaker[Session], limit: int = 50) -> int:
    context = WorkerContext(settings, sessions, "w-test", threading.Event())
    ran = 0
    while ran < limit and run_next(context) is not None:
        ran += 1
    return ran


def sweep_body(dataset_id: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "base": {
            "dataset_id": dataset_id,
            "label": "kind",
            "layers": [{"units": 4}],
            "training": {"epochs": 3, "batch_size": 16, "learning_rate": 0.01},
        },
        "space": {"units": [2, 8], "learning_rate": [0.01, 0.05]},
        "strategy": "grid",
        "repeats": 2,
    }
    body.update(changes)
    return body


def test_sweep_queues_ordinary_experiments(client: TestClient, dataset_id: int) -> None:
    response = client.post("/api/sweeps", json=sweep_body(dataset_id))
    assert response.status_code == 202, response.text
    sweep = response.json()
    assert sweep["status"] == "queued"
    assert sweep["progress"]["total"] == 8 and sweep["progress"]["queued"] == 8
    assert [row["config"] for row in sweep["leaderboard"]] == [1, 2, 3, 4]
    assert sweep["leaderboard"][0]["values"] == {"units": 2, "learning_rate": 0.01}
    assert sweep["estimate_seconds"] > 0
    listed = client.get(f"/api/experiments?dataset_id={dataset_id}").json()
    assert sorted(e["id"] for e in listed) == sweep["experiment_ids"]
    one = client.get(f"/api/experiments/{sweep['experiment_ids'][4]}").json()
    assert one["spec"]["training"]["seed"] == 1 and one["spec"]["layers"] == [
        {"units": 2, "activation": "relu", "dropout": 0.0, "batchnorm": False}
    ]
    assert client.get("/api/sweeps").json()[0]["total"] == 8


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"space": {"units": [0, 4]}}, 422, "Units per layer 0"),
        ({"space": {"units": list(range(1, 150))}}, 422, "the most is 200"),
        ({"strategy": "random"}, 422, "needs `samples`"),
        ({"space": {"momentum": [0.9]}}, 422, "momentum"),
    ],
)
def test_invalid_sweeps_are_refused(
    client: TestClient, dataset_id: int, changes: dict[str, Any], status: int, message: str
) -> None:
    response = client.post("/api/sweeps", json=sweep_body(dataset_id, **changes))
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert client.get("/api/experiments").json() == []  # nothing half-created


def test_base_is_checked_against_the_dataset(client: TestClient, dataset_id: int) -> None:
    body = sweep_body(dataset_id)
    body["base"]["label"] = "ghost"
    response = client.post("/api/sweeps", json=body)
    assert response.status_code == 422 and '"ghost" is not a column' in response.json()["detail"]
    body["base"]["dataset_id"] = 99
    assert client.post("/api/sweeps", json=body).json() == {"detail": "There is no dataset 99."}
    assert client.get("/api/sweeps/5").status_code == 404


def test_estimate_endpoint(client: TestClient, dataset_id: int) -> None:
    response = client.post("/api/sweeps/estimate", json=sweep_body(dataset_id, strategy="random", samples=3))
    assert response.status_code == 200
    assert response.json()["experiments"] == 6 and response.json()["configs"] == 3


def test_leaderboard_is_blind_until_one_configuration_is_picked(
    client: TestClient, dataset_id: int, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    sweep_id = client.post("/api/sweeps", json=sweep_body(dataset_id)).json()["id"]
    client.post(f"/api/sweeps/{sweep_id}/reveal", json={"config": 1})  # refused while running: see below
    assert run_all(settings, sessions) == 8
    sweep = client.get(f"/api/sweeps/{sweep_id}").json()
    assert sweep["status"] == "completed" and sweep["progress"]["done"] == 8
    assert sweep["metric"] == "accuracy" and sweep["revealed_config"] is None
    board = sweep["leaderboard"]
    means = [row["validation_mean"] for row in board]
    assert means == sorted(means, reverse=True)
    assert all(row["completed"] == 2 and row["validation_std"] is not None for row in board)
    assert board[0]["best"] and sweep["best_config"] == board[0]["config"]
    assert not any("test" in key for row in board for key in row)
    for experiment_id in sweep["experiment_ids"]:  # the runs themselves keep the test split blind too
        run = client.get(f"/api/experiments/{experiment_id}").json()
        assert run["test_hidden"] and run["test_metric"] is None and "test" not in run["metrics"]
        assert "baseline" not in run["summary"] and "test" not in run["summary"]["details"]
        assert "Test</a>" not in client.get(f"/experiments/{experiment_id}").text
        download = client.get(f"/api/experiments/{experiment_id}/predictions.csv").text.splitlines()
        header = download[0].split(",")
        split, actual = header.index("split"), header.index("actual")
        test_rows = [line.split(",") for line in download[1:] if line.split(",")[split] == "test"]
        assert test_rows and all(cell == "" for row in test_rows for cell in row[actual + 1 :])

    picked = board[-1]["config"]  # any configuration may be picked, not only the best
    revealed = client.post(f"/api/sweeps/{sweep_id}/reveal", json={"config": picked})
    assert revealed.status_code == 200, revealed.text
    rows = revealed.json()["leaderboard"]
    assert [row["config"] for row in rows if "test_mean" in row] == [picked]
    assert 0 <= next(row for row in rows if row["config"] == picked)["test_mean"] <= 1
    for experiment_id in sweep["experiment_ids"]:
        run = client.get(f"/api/experiments/{experiment_id}").json()
        assert run["test_hidden"] == (run["sweep_config"] != picked)
        assert (run["test_metric"] is not None) == (run["sweep_config"] == picked)
    again = client.post(f"/api/sweeps/{sweep_id}/reveal", json={"config": board[0]["config"]})
    assert again.status_code == 409 and "already picked" in again.json()["detail"]

    promoted = client.post(f"/api/sweeps/{sweep_id}/promote", json={})
    assert promoted.status_code == 202
    spec = promoted.json()["spec"]
    best_values = board[0]["values"]
    assert spec["layers"][0]["units"] == best_values["units"]
    assert spec["training"]["learning_rate"] == best_values["learning_rate"]
    assert spec["training"]["seed"] == 0 and promoted.json()["status"] == "queued"
    assert promoted.json()["id"] not in sweep["experiment_ids"]


def test_reveal_waits_for_the_sweep_to_finish(client: TestClient, dataset_id: int) -> None:
    sweep_id = client.post("/api/sweeps", json=sweep_body(dataset_id)).json()["id"]
    response = client.post(f"/api/sweeps/{sweep_id}/reveal", json={"config": 1})
    assert response.status_code == 409 and "still running" in response.json()["detail"]
    response = client.post(f"/api/sweeps/{sweep_id}/promote", json={})
    assert response.status_code == 409 and "no best one" in response.json()["detail"]


def test_cancel_stops_the_rest(
    client: TestClient, dataset_id: int, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    sweep_id = client.post("/api/sweeps", json=sweep_body(dataset_id)).json()["id"]
    assert run_all(settings, sessions, limit=3) == 3
    response = client.post(f"/api/sweeps/{sweep_id}/cancel")
    assert response.status_code == 200
    sweep = response.json()
    assert sweep["status"] == "cancelled"
    assert sweep["progress"]["completed"] == 3 and sweep["progress"]["cancelled"] == 5
    assert run_all(settings, sessions) == 0
    assert sum(row["rank"] is not None for row in sweep["leaderboard"]) == 3
    # A cancelled sweep is finished: its best completed configuration may be picked.
    best = sweep["best_config"]
    assert client.post(f"/api/sweeps/{sweep_id}/reveal", json={"config": best}).status_code == 200


def test_pages(client: TestClient, dataset_id: int, settings: Settings, sessions: sessionmaker[Session]) -> None:
    assert "New sweep" in client.get(f"/datasets/{dataset_id}").text
    assert "No sweeps yet" in client.get("/sweeps").text
    builder = client.get(f"/datasets/{dataset_id}/sweeps/new")
    assert builder.status_code == 200 and "Units per layer" in builder.text
    assert '<option value="" selected>Choose what to predict…</option>' in builder.text  # nothing stands out
    unpicked = client.post(f"/datasets/{dataset_id}/sweeps/preview", data={"base": "proposal", "units": "4, 8"})
    assert "Choose what to predict (the label) first." in unpicked.text
    form = {
        "base": "proposal",
        "label": "kind",
        "epochs": "3",
        "units": "4, 8",
        "batchnorm": "off, on",
        "strategy": "grid",
        "repeats": "1",
    }
    preview = client.post(f"/datasets/{dataset_id}/sweeps/preview", data=form)
    assert "binary classification" in preview.text
    assert "Makes 4 experiments" in preview.text and "4 configurations × 1 repeat)" in preview.text
    bad = client.post(f"/datasets/{dataset_id}/sweeps/preview", data=form | {"units": "4, lots"})
    assert "Units per layer, “lots”: input should be a valid integer" in bad.text
    refused = client.post(f"/datasets/{dataset_id}/sweeps", data=form | {"units": "0"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "Units per layer 0" in refused.text
    created = client.post(f"/datasets/{dataset_id}/sweeps", data=form, headers={"HX-Request": "true"})
    assert created.status_code == 204 and created.headers["HX-Redirect"] == "/sweeps/1"

    live = client.get("/sweeps/1")
    assert live.status_code == 200 and 'hx-trigger="every 2s"' in live.text and "0 / 4 experiments done" in live.text
    run_all(settings, sessions)
    done = client.get("/sweeps/1/live?sort=units&order=desc")
    assert "every 2s" not in done.text and "4 / 4 experiments done" in done.text
    assert done.text.count("★ best") == 1 and done.text.count(">hidden<") == 4
    assert 'aria-sort="descending"' in done.text and "Pick configuration 1" in done.text
    specs = re.findall(r"data-chart-spec='([^']*)'", done.text)
    runs = [json.loads(unescape(spec))["series"][0]["y"] for spec in specs]
    assert [len(scores) for scores in runs] == [4, 4]  # two charts, a dot per run
    picked = client.post("/sweeps/1/reveal", data={"config": "2"}, headers={"HX-Request": "true"})
    assert picked.status_code == 200 and picked.text.count(">hidden<") == 3 and "Pick configuration" not in picked.text
    promoted = client.post("/sweeps/1/promote", data={"config": "3"}, headers={"HX-Request": "true"})
    assert promoted.headers["HX-Redirect"] == "/experiments/5"
    assert "completed" in client.get("/sweeps").text


@pytest.mark.parametrize(
    ("statuses", "cancelled", "expected"),
    [
        (["queued", "queued"], False, "queued"),
        (["completed", "queued"], False, "running"),
        (["completed", "failed"], False, "completed"),
        (["failed", "failed"], False, "failed"),
        (["completed", "cancelled"], True, "cancelled"),
    ],
)
def test_sweep_status(statuses: list[str], cancelled: bool, expected: str) -> None:
    from types import SimpleNamespace

    from app.services.sweeps import sweep_status

    experiments = [SimpleNamespace(status=status) for status in statuses]
    assert sweep_status(SimpleNamespace(cancel_requested=cancelled), experiments) == expected  # type: ignore[arg-type]


def test_promote_checks_the_spec_like_every_other_way_of_queueing(
    client: TestClient, dataset_id: int, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    """A promoted configuration is checked against the dataset as a new experiment is:
    here the stored profile now says the label has one value, so both promotes refuse."""
    from app.db.models import Dataset, Experiment

    body = sweep_body(dataset_id, space={"units": [2]}, repeats=1)
    sweep_id = client.post("/api/sweeps", json=body).json()["id"]
    assert run_all(settings, sessions) == 1
    with sessions() as session:
        dataset = session.get(Dataset, dataset_id)
        assert dataset is not None
        dataset.profile = {**dataset.profile, "columns": [
            {**column, "unique": 1} if column["name"] == "kind" else column for column in dataset.profile["columns"]
        ]}
        session.commit()
        before = session.query(Experiment).count()
    response = client.post(f"/api/sweeps/{sweep_id}/promote", json={})
    assert response.status_code == 422 and "only one value" in response.json()["detail"]
    page = client.post(f"/sweeps/{sweep_id}/promote", data={"config": "1"}, headers={"HX-Request": "true"})
    assert page.status_code == 422 and "HX-Redirect" not in page.headers
    with sessions() as session:
        assert session.query(Experiment).count() == before
