"""Continue training: a new experiment carries on from a finished one's weights and state."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.engine.checkpoints import OPTIMIZER_FILE
from app.specs import MAX_EPOCHS

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL

ROWS = 150
CSV = "x1,x2,colour,label\n" + "".join(
    f"{(i * 37) % 101 / 10},{(i * 53) % 89 / 9},{['red', 'blue', 'green'][i % 3]},"
    f"{'yes' if ((i * 37) % 101) / 10 + ((i * 53) % 89) / 9 + (i % 3) > 10 else 'no'}\n"
    for i in range(ROWS)
)


def _spec(dataset_id: int, epochs: int) -> dict[str, Any]:
    return {"dataset_id": dataset_id, "label": "label",
            "layers": [{"units": 12, "activation": "relu", "dropout": 0.2}, {"units": 6, "activation": "tanh"}],
            "training": {"epochs": epochs, "learning_rate": 0.003, "batch_size": 16, "seed": 3,
                         "early_stopping_patience": None}}


@pytest.fixture
def dataset_id(client: TestClient) -> int:
    upload = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")})
    return int(upload.json()["id"])


def _epochs(client: TestClient, experiment_id: int) -> list[dict[str, Any]]:
    return client.get(f"/api/experiments/{experiment_id}/epochs").json()


def test_continuation_carries_on_and_matches_an_uninterrupted_run(
    client: TestClient, run_queued: Callable[[], int], dataset_id: int
) -> None:
    parent = client.post("/api/experiments", json=_spec(dataset_id, 8)).json()["id"]
    whole = client.post("/api/experiments", json=_spec(dataset_id, 20)).json()["id"]
    run_queued()
    response = client.post(f"/api/experiments/{parent}/continue", json={"epochs": 12})
    assert response.status_code == 202, response.text
    child = response.json()
    assert (child["status"], child["parent_id"], child["parent_epoch"]) == ("queued", parent, 8)
    assert child["epochs_total"] == 20 and child["spec"]["training"]["epochs"] == 12
    assert run_queued() == 1
    assert client.get(f"/api/experiments/{child['id']}").json()["status"] == "completed"

    parent_rows, child_rows, whole_rows = (_epochs(client, i) for i in (parent, child["id"], whole))
    assert [row["epoch"] for row in child_rows] == list(range(9, 21))  # the curves number on
    # The first continued epoch starts from the kept weights: its loss is near the parent's last,
    # far from that of an untrained network.
    untrained, last, first = parent_rows[0]["train_loss"], parent_rows[-1]["train_loss"], child_rows[0]["train_loss"]
    assert abs(first - last) < 0.2 * abs(untrained - last)
    # Same seed, and the shuffling generator and Adam's moments carried over: the same run exactly.
    for mine, reference in zip(child_rows, whole_rows[8:], strict=True):
        for key in ("epoch", "train_loss", "val_loss", "train_metric", "val_metric"):
            assert mine[key] == pytest.approx(reference[key], rel=1e-9, abs=1e-12), key
    continued, uninterrupted = (client.get(f"/api/experiments/{i}").json()["metrics"] for i in (child["id"], whole))
    for split in ("train", "validation", "test"):
        assert continued[split] == pytest.approx(uninterrupted[split], rel=1e-9)

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/experiments/{child['id']}/model").content))
    card = archive.read("MODEL_CARD.md").decode()
    assert f"continued from experiment {parent} after epoch 8" in card
    # A continuation can itself be continued: it keeps its own state.
    again = client.post(f"/api/experiments/{child['id']}/continue", json={"epochs": 2}).json()
    assert (again["parent_epoch"], again["epochs_total"]) == (20, 22)


def test_continue_refuses_what_it_cannot_continue(client: TestClient, dataset_id: int) -> None:
    queued = client.post("/api/experiments", json=_spec(dataset_id, 5)).json()["id"]
    response = client.post(f"/api/experiments/{queued}/continue", json={"epochs": 5})
    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"Experiment {queued} is queued; only a completed or cancelled")
    for body in ({"epochs": 0}, {"epochs": MAX_EPOCHS + 1}, {"epochs": "many"}, {}):
        response = client.post(f"/api/experiments/{queued}/continue", json=body)
        assert response.status_code == 422 and response.json()["detail"].startswith("epochs"), body
    assert client.post("/api/experiments/999/continue", json={"epochs": 5}).status_code == 404
    assert len(client.get("/api/experiments").json()) == 1  # nothing was queued


def test_an_experiment_without_a_saved_state_says_so(
    client: TestClient, run_queued: Callable[[], int], dataset_id: int, settings: Settings
) -> None:
    parent = client.post("/api/experiments", json=_spec(dataset_id, 2)).json()["id"]
    run_queued()
    (settings.experiments_dir / str(parent) / OPTIMIZER_FILE).unlink()  # as trained before states were kept
    response = client.post(f"/api/experiments/{parent}/continue", json={"epochs": 5})
    assert response.status_code == 409
    assert response.json()["detail"] == (f"Experiment {parent} kept no training state to continue from "
                                         "(optimizer.npz is missing); train it again, then continue it.")
    assert len(client.get("/api/experiments").json()) == 1


def test_continue_button_on_the_page_queues_and_links_back(
    client: TestClient, run_queued: Callable[[], int], dataset_id: int
) -> None:
    parent = client.post("/api/experiments", json=_spec(dataset_id, 3)).json()["id"]
    assert "Continue training" not in client.get(f"/experiments/{parent}").text  # queued: nothing to continue
    run_queued()
    page = client.get(f"/experiments/{parent}").text
    assert "Continue training" in page and 'name="epochs"' in page and "Train again" in page
    response = client.post(f"/experiments/{parent}/continue", data={"epochs": "4"}, follow_redirects=False)
    assert response.status_code == 303
    child_page = client.get(response.headers["location"]).text
    assert f'href="/experiments/{parent}">experiment {parent}</a> after epoch 3: epochs 4 to 7' in child_page


def test_a_continuation_outlives_its_parent(
    client: TestClient, run_queued: Callable[[], int], dataset_id: int
) -> None:
    parent = client.post("/api/experiments", json=_spec(dataset_id, 3)).json()["id"]
    run_queued()
    child = client.post(f"/api/experiments/{parent}/continue", json={"epochs": 2}).json()["id"]
    assert client.delete(f"/api/experiments/{parent}").status_code == 204
    run_queued()  # it starts from its own copy of the parent's model and state
    detail = client.get(f"/api/experiments/{child}").json()
    assert (detail["status"], detail["parent_id"], detail["parent_epoch"]) == ("completed", None, 3)
    assert [row["epoch"] for row in _epochs(client, child)] == [4, 5]
    assert "a since deleted experiment after epoch 3" in client.get(f"/experiments/{child}").text
    card = zipfile.ZipFile(io.BytesIO(client.get(f"/api/experiments/{child}/model").content)).read("MODEL_CARD.md")
    assert "continued from an experiment since deleted after epoch 3" in card.decode()
    # Training it again runs the same continuation again.
    assert client.post(f"/api/experiments/{child}/restart").status_code == 202
    run_queued()
    assert [row["epoch"] for row in _epochs(client, child)] == [4, 5]
