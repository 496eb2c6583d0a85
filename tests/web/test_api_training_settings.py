"""The training settings of issue 11 over the JSON API: refused with a sentence when they
do not fit the label's task, stored with the experiment, and used when it trains."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

CSV = "size,colour,price,kind\n" + "".join(
    f"{i % 7},{['red', 'blue'][i % 2]},{i * 1.5 + 1:.1f},{['cat', 'dog', 'fox'][i % 3]}\n" for i in range(90)
)


@pytest.fixture
def dataset_id(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("pets.csv", io.BytesIO(CSV.encode()), "text/csv")})
    return int(response.json()["id"])


def _post(client: TestClient, dataset_id: int, label: str, **training: object):  # type: ignore[no-untyped-def]
    body = {"dataset_id": dataset_id, "label": label, "training": {"epochs": 3, **training}}
    return client.post("/api/experiments", json=body)


@pytest.mark.parametrize(
    ("label", "training", "expected"),
    [
        ("kind", {"early_stopping_metric": "r2"}, "Early stopping on r2 needs a regression task"),
        ("price", {"early_stopping_metric": "roc_auc"}, "for regression choose loss or one of r2, mae"),
        ("price", {"class_weight": "balanced"}, "Class weights apply to classification only"),
        ("kind", {"target_transform": "log"}, "log transform of the label applies to regression only"),
        ("kind", {"regression_loss": "huber"}, "The huber loss is for regression"),
        ("kind", {"class_weight": "heavy"}, "training → class_weight: Input should be 'none' or 'balanced'"),
        ("kind", {"schedule": "sometimes"}, "training → schedule"),
        ("kind", {"initializer": "zeros"}, "training → initializer"),
        ("kind", {"clip_norm": 0}, "gradient clipping needs a norm above 0"),
    ],
)
def test_settings_that_do_not_fit_get_a_sentence(
    client: TestClient, dataset_id: int, label: str, training: dict, expected: str
) -> None:
    response = _post(client, dataset_id, label, **training)
    assert response.status_code == 422
    assert expected in str(response.json()["detail"])
    assert client.get(f"/api/experiments?dataset_id={dataset_id}").json() == []  # nothing was queued


def test_an_explicit_task_is_checked_in_the_spec_itself(client: TestClient, dataset_id: int) -> None:
    body = {"dataset_id": dataset_id, "label": "price", "task": "regression",
            "training": {"early_stopping_metric": "f1_macro"}}
    response = client.post("/api/experiments", json=body)
    assert response.status_code == 422 and "needs a classification task" in str(response.json()["detail"])


def test_a_negative_label_cannot_be_log_transformed(client: TestClient) -> None:
    csv = "x,y\n" + "".join(f"{i},{i - 20}.5\n" for i in range(60))
    dataset = client.post("/api/datasets", files={"file": ("n.csv", io.BytesIO(csv.encode()), "text/csv")}).json()
    response = _post(client, dataset["id"], "y", target_transform="log")
    assert response.status_code == 422 and "needs values of 0 or more" in response.json()["detail"]


def test_settings_persist_and_train(client: TestClient, run_queued: Callable[[], int], dataset_id: int) -> None:
    chosen = {"target_transform": "log", "early_stopping_metric": "mae", "schedule": "plateau",
              "regression_loss": "huber", "initializer": "he_normal", "clip_norm": 2.0}
    created = _post(client, dataset_id, "price", **chosen)
    assert created.status_code == 202, created.text
    experiment_id = created.json()["id"]
    run_queued()
    experiment = client.get(f"/api/experiments/{experiment_id}").json()
    assert experiment["status"] == "completed", experiment["error"]
    assert {key: experiment["spec"]["training"][key] for key in chosen} == chosen
    assert experiment["spec"]["training"]["class_weight"] == "none"


def test_defaults_are_spelled_out(client: TestClient, dataset_id: int) -> None:
    created = _post(client, dataset_id, "kind", class_weight="balanced", early_stopping_metric="balanced_accuracy")
    training = client.get(f"/api/experiments/{created.json()['id']}").json()["spec"]["training"]
    assert training["class_weight"] == "balanced" and training["early_stopping_metric"] == "balanced_accuracy"
    assert (training["schedule"], training["regression_loss"], training["initializer"], training["clip_norm"],
            training["target_transform"]) == ("plateau", "mse", "auto", None, "none")


def test_the_curves_name_the_watched_metric(client: TestClient, run_queued: Callable[[], int], dataset_id: int) -> None:
    created = _post(client, dataset_id, "kind", early_stopping_metric="f1_macro", epochs=4)
    experiment_id = created.json()["id"]
    run_queued()
    page = client.get(f"/experiments/{experiment_id}").text
    assert 'data-watched="f1_macro"' in page and "F1 (macro)" in page and "early stopping watches it" in page
    experiment = client.get(f"/api/experiments/{experiment_id}").json()
    assert experiment["status"] == "completed", experiment["error"]
    assert 1 <= experiment["best_epoch"] <= 4
