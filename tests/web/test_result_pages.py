"""Result pages of a finished experiment: details, predicting new rows, what-if, compare."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

HTMX = {"hx-request": "true"}
CSV = "size,colour,weight,kind\n" + "".join(
    f"{i % 20},{['red', 'blue', 'green'][i % 3]},{(i * 7) % 50},{'big' if i % 20 >= 10 else 'small'}\n"
    for i in range(120)
)


def train(client: TestClient, run_queued: Callable[[], int], **spec: object) -> int:
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    run_queued()
    return int(experiment_id)


@pytest.fixture
def dataset_id(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("k.csv", io.BytesIO(CSV.encode()), "text/csv")})
    return int(response.json()["id"])


@pytest.fixture
def classifier(client: TestClient, run_queued: Callable[[], int], dataset_id: int) -> int:
    return train(
        client,
        run_queued,
        dataset_id=dataset_id,
        label="kind",
        layers=[{"units": 16}],
        training={"epochs": 80, "learning_rate": 0.02, "early_stopping_patience": None},
    )


def test_results_show_details_and_actions(client: TestClient, classifier: int) -> None:
    page = client.get(f"/experiments/{classifier}").text
    for text in (
        "Confusion matrix",
        "Per class",
        "ROC curve",
        "Feature importance",
        "Compared with a simple model",
        "Download predictions",
        "Download model",
        "Predict new rows",
        "What if",
    ):
        assert text in page, text
    train_split = client.get(f"/experiments/{classifier}/results?split=train", headers=HTMX)
    assert train_split.status_code == 200 and 'data-split="train"' in train_split.text
    assert client.get(f"/experiments/{classifier}/results?split=everything").status_code == 422


def test_regression_results(client: TestClient, run_queued: Callable[[], int], dataset_id: int) -> None:
    experiment_id = train(client, run_queued, dataset_id=dataset_id, label="weight", training={"epochs": 10})
    page = client.get(f"/experiments/{experiment_id}").text
    assert "Predicted against actual" in page and "Residuals" in page and "Error by range" in page


def test_predict_page_returns_a_csv_or_the_reason(client: TestClient, classifier: int) -> None:
    page = client.get(f"/experiments/{classifier}/predict").text
    assert "<code>size</code>" in page and "<code>colour</code>" in page
    good = client.post(
        f"/experiments/{classifier}/predict",
        files={"file": ("n.csv", io.BytesIO(b"size,colour,weight\n3,red,10\n"), "text/csv")},
    )
    assert good.status_code == 200, good.text
    assert good.headers["content-type"].startswith("text/csv")
    assert good.text.splitlines()[0].startswith("size,colour,weight,predicted")
    bad = client.post(
        f"/experiments/{classifier}/predict", files={"file": ("n.csv", io.BytesIO(b"size,shape\n3,x\n"), "text/csv")}
    )
    assert bad.status_code == 422 and "colour" in bad.text and "<html" in bad.text


def test_what_if_follows_the_values(client: TestClient, classifier: int) -> None:
    page = client.get(f"/experiments/{classifier}/what-if").text
    assert "Predicted kind" in page and 'name="feature-0"' in page
    small = client.post(
        f"/experiments/{classifier}/what-if",
        data={"feature-0": "2", "feature-1": "red", "feature-2": "10"},
        headers=HTMX,
    )
    big = client.post(
        f"/experiments/{classifier}/what-if",
        data={"feature-0": "18", "feature-1": "red", "feature-2": "10"},
        headers=HTMX,
    )
    assert "<html" not in small.text
    assert '<p class="prediction">small</p>' in small.text
    assert '<p class="prediction">big</p>' in big.text
    odd = client.post(
        f"/experiments/{classifier}/what-if",
        data={"feature-0": "99", "feature-1": "red", "feature-2": "10"},
        headers=HTMX,
    )
    assert "outside the training range" in odd.text


def test_compare_highlights_differences(
    client: TestClient, run_queued: Callable[[], int], dataset_id: int, classifier: int
) -> None:
    other = train(
        client, run_queued, dataset_id=dataset_id, label="kind", layers=[{"units": 4}], training={"epochs": 5}
    )
    page = client.get(f"/experiments/compare?ids={classifier}&ids={other}").text
    assert f"Experiment {classifier}" in page and f"Experiment {other}" in page
    assert '<tr class="differs"><th scope="row">layers.1.units' in page
    assert '<tr class=""><th scope="row">label' in page
    assert client.get(f"/experiments/compare?ids={classifier}").status_code == 422
    dataset_page = client.get(f"/datasets/{dataset_id}").text
    assert "Compare selected" in dataset_page


def test_results_without_early_stopping_describe_the_last_epoch(client: TestClient, classifier: int) -> None:
    detail = client.get(f"/api/experiments/{classifier}").json()
    assert detail["epochs_done"] == 80
    assert detail["best_epoch"] == 80  # the weights kept, and measured, are the last epoch's
    assert detail["summary"]["weights_restored"] is False
    page = client.get(f"/experiments/{classifier}").text
    assert "Results <small class=\"muted\">at the last epoch, 80: early stopping was off</small>" in page
    assert 'data-kept-epoch="80"' in page and "┆ last epoch (weights kept)" in page


def test_results_with_early_stopping_describe_the_restored_epoch(
    client: TestClient, run_queued: Callable[[], int], dataset_id: int
) -> None:
    experiment_id = train(
        client, run_queued, dataset_id=dataset_id, label="kind", layers=[{"units": 16}],
        training={"epochs": 60, "learning_rate": 0.05, "early_stopping_patience": 3},
    )
    detail = client.get(f"/api/experiments/{experiment_id}").json()
    assert detail["summary"]["weights_restored"] is True
    best = detail["best_epoch"]
    page = client.get(f"/experiments/{experiment_id}").text
    assert f"at the best epoch, {best}: its weights were restored" in page
    assert f'data-kept-epoch="{best}"' in page and "┆ best epoch (weights kept)" in page
