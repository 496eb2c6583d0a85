"""An experiment's JSON (the route every open experiment page polls): it reads the experiment
alone, a finished one's bytes are kept, and any change to the row, its sweep's reveal or its
existence shows in the next reply. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.cross_validation import store_cross_validation
from app.db.experiments import get_experiment
from app.web.contract.experiments import ExperimentDetail
from app.web.contract_json import contract_json
from app.web.serializers import experiment_detail
from tests.web.accounts_helpers import ADMIN, password_server, queue, upload

pytestmark = pytest.mark.databases

CSV = "size,colour,direction\n" + "".join(
    f"{i % 30},{['red', 'blue', 'green'][i % 3]},{'up' if i % 30 >= 15 else 'down'}\n" for i in range(60)
)
HEAVY_COLUMN = "experiments.summary"  # read only when the row itself is loaded


def _dataset(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def trained(client: TestClient, run_queued: Callable[[], int]) -> int:
    spec = {"dataset_id": _dataset(client), "label": "direction", "training": {"epochs": 2}}
    experiment_id = int(client.post("/api/experiments", json=spec).json()["id"])
    assert run_queued() == 1
    return experiment_id


def _full_serialiser_bytes(client: TestClient, experiment_id: int) -> bytes:
    """What the route sent before it read the experiment alone: the row with its joined rows."""
    with client.app.state.session_factory() as session:  # type: ignore[attr-defined]
        experiment = get_experiment(session=session, experiment_id=experiment_id)
        assert experiment is not None
        return bytes(contract_json(ExperimentDetail.model_validate(experiment_detail(session, experiment))).body)


def _reads_the_row(statements: list[str]) -> bool:
    return any(HEAVY_COLUMN in statement for statement in statements)


def test_a_finished_runs_json_is_the_same_bytes_as_from_the_full_row(client: TestClient, trained: int) -> None:
    first, second = client.get(f"/api/experiments/{trained}"), client.get(f"/api/experiments/{trained}")
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"] == second.headers["content-type"] == "application/json"
    assert first.content == second.content == _full_serialiser_bytes(client, trained)


def test_the_json_reads_neither_the_dataset_nor_the_sweep(
    client: TestClient, trained: int, statements: list[str]
) -> None:
    assert client.get(f"/api/experiments/{trained}").status_code == 200
    assert _reads_the_row(statements), statements
    for statement in statements:
        assert "datasets" not in statement and "sweeps" not in statement, statement


def test_a_finished_runs_json_is_not_built_again_while_its_row_is_unchanged(
    client: TestClient, trained: int, statements: list[str]
) -> None:
    first = client.get(f"/api/experiments/{trained}").content
    statements.clear()
    assert client.get(f"/api/experiments/{trained}").content == first
    assert not _reads_the_row(statements), statements


def test_a_threshold_change_shows_in_the_next_reply(client: TestClient, trained: int) -> None:
    before = client.get(f"/api/experiments/{trained}").json()["summary"]["decision"]["threshold"]
    threshold = 0.9 if before != 0.9 else 0.8
    response = client.put(f"/api/experiments/{trained}/threshold", json={"threshold": threshold})
    assert response.status_code == 200, response.text
    reply = client.get(f"/api/experiments/{trained}")
    assert reply.json()["summary"]["decision"]["threshold"] == threshold
    assert reply.content == _full_serialiser_bytes(client, trained)


def test_a_cross_validation_update_and_a_restart_are_not_hidden_by_the_cache(
    client: TestClient, trained: int, statements: list[str]
) -> None:
    client.get(f"/api/experiments/{trained}")
    with client.app.state.session_factory() as session:  # type: ignore[attr-defined]
        store_cross_validation(session=session, experiment_id=trained, result={"status": "completed", "folds": []})
    statements.clear()
    client.get(f"/api/experiments/{trained}")
    assert _reads_the_row(statements), "a changed row was served from the cache"

    assert client.post(f"/api/experiments/{trained}/restart").status_code == 202
    assert client.get(f"/api/experiments/{trained}").json()["status"] == "queued"


def test_an_unfinished_runs_json_is_never_kept(client: TestClient) -> None:
    """A queued run's place moves when the run ahead of it goes, though its own row does not change."""
    spec = {"dataset_id": _dataset(client), "label": "direction", "training": {"epochs": 2}}
    ahead, behind = (int(client.post("/api/experiments", json=spec).json()["id"]) for _ in range(2))
    assert client.get(f"/api/experiments/{behind}").json()["queue_position"] == 2
    assert client.post(f"/api/experiments/{ahead}/cancel").status_code == 200
    assert client.get(f"/api/experiments/{behind}").json()["queue_position"] == 1


def test_a_deleted_experiment_is_a_404_though_its_json_was_kept(client: TestClient, trained: int) -> None:
    assert client.get(f"/api/experiments/{trained}").status_code == 200
    assert client.delete(f"/api/experiments/{trained}").status_code == 204
    response = client.get(f"/api/experiments/{trained}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"There is no experiment {trained}."}


def test_revealing_a_sweep_configuration_shows_its_test_split(
    client: TestClient, run_queued: Callable[[], int]
) -> None:
    body = {"base": {"dataset_id": _dataset(client), "label": "direction", "training": {"epochs": 2}},
            "space": {"units": [4]}, "strategy": "grid", "repeats": 1}
    sweep = client.post("/api/sweeps", json=body).json()
    assert run_queued() == 1
    (run,) = sweep["experiment_ids"]
    hidden = client.get(f"/api/experiments/{run}").json()
    assert hidden["test_hidden"] and "test" not in hidden["metrics"]
    assert client.post(f"/api/sweeps/{sweep['id']}/reveal", json={"config": 1}).status_code == 200
    shown = client.get(f"/api/experiments/{run}")
    assert not shown.json()["test_hidden"] and "test" in shown.json()["metrics"]
    assert shown.content == _full_serialiser_bytes(client, run)


def test_with_accounts_a_kept_reply_goes_only_to_who_may_read_it(
    settings: Settings, run_queued: Callable[[], int]
) -> None:
    with password_server(settings) as server:
        experiment_id = queue(server["ana"], upload(server["ana"]))
        assert run_queued() == 1
        own = server["ana"].get(f"/api/experiments/{experiment_id}")
        assert own.status_code == 200 and server["ana"].get(f"/api/experiments/{experiment_id}").content == own.content
        for reader in (server["ben"], server.app_client):
            assert reader.get(f"/api/experiments/{experiment_id}").status_code in (401, 404)
        assert server["ben"].get(f"/api/experiments/{experiment_id}").json() == {
            "detail": f"There is no experiment {experiment_id}."}
        assert json.loads(server[ADMIN].get(f"/api/experiments/{experiment_id}").content) == own.json()


def test_deleting_a_parent_shows_in_its_continuations_kept_json(
    client: TestClient, trained: int, run_queued: Callable[[], int]
) -> None:
    """The database clears a continuation's `parent_id` when its parent goes (ON DELETE SET
    NULL): no ORM event sees that, so the delete must bump the children's version itself."""
    child = int(client.post(f"/api/experiments/{trained}/continue", json={"epochs": 2}).json()["id"])
    assert run_queued() == 1
    assert client.get(f"/api/experiments/{child}").json()["parent_id"] == trained  # kept now
    assert client.delete(f"/api/experiments/{trained}").status_code == 204
    assert client.get(f"/api/experiments/{child}").json()["parent_id"] is None
