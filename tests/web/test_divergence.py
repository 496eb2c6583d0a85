"""A run that diverged in its first epoch has no model or predictions to offer, and says what to change."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

# Values near float32's limit: the first minibatch's loss overflows to infinity.
CSV = "x,y\n" + "".join(f"{(i % 7 + 1) * 1e18},{(i % 5) * 1e19}\n" for i in range(60))


@pytest.fixture
def diverged_id(client: TestClient, run_queued: Callable[[], int]) -> int:
    dataset = client.post("/api/datasets", files={"file": ("huge.csv", io.BytesIO(CSV.encode()), "text/csv")})
    spec = {"dataset_id": dataset.json()["id"], "label": "y", "task": "regression",
            "encoders": {"x": "passthrough"}, "split": {"stratify": False},
            "training": {"optimizer": "sgd", "learning_rate": 1.0, "epochs": 5}}
    created = client.post("/api/experiments", json=spec)
    assert created.status_code == 202, created.text
    run_queued()
    experiment = client.get(f"/api/experiments/{created.json()['id']}").json()
    assert experiment["status"] == "failed" and experiment["epochs_done"] == 0, experiment
    assert "infinite at epoch 1" in experiment["error"], experiment["error"]
    return int(experiment["id"])


@pytest.mark.parametrize("path", ["predictions.csv", "model"])
def test_no_download_of_an_untrained_model(client: TestClient, diverged_id: int, path: str) -> None:
    response = client.get(f"/api/experiments/{diverged_id}/{path}")
    assert response.status_code == 409
    assert "first epoch" in response.json()["detail"] and "learning rate" in response.json()["detail"]


def test_no_predictions_from_an_untrained_model(client: TestClient, diverged_id: int) -> None:
    response = client.post(f"/api/experiments/{diverged_id}/predict", json=[{"x": 1.0}])
    assert response.status_code == 409
    assert "first epoch" in response.json()["detail"]
    assert client.get(f"/experiments/{diverged_id}/what-if", headers={"accept": "text/html"}).status_code == 409


def test_the_page_hides_the_results_and_says_what_to_change(client: TestClient, diverged_id: int) -> None:
    page = client.get(f"/experiments/{diverged_id}").text
    assert "The loss became infinite in the first epoch: lower the learning rate (try 0.001)" in page
    assert "standardize the features" in page
    for action in ("Download predictions", "Predict new rows", "What if", "Download model"):
        assert action not in page
