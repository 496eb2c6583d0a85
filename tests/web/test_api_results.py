"""A finished experiment's predictions, predictions for new rows, epochs and model."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable

import numpy as np
import pytest
from fastapi.testclient import TestClient

ROWS = 90
CSV = "size,colour,direction\n" + "".join(
    f"{i % 30},{['red', 'blue', 'green'][i % 3]},{'=up' if i % 30 >= 15 else 'down'}\n" for i in range(ROWS)
)


@pytest.fixture
def trained(client: TestClient, run_queued: Callable[[], int]) -> int:
    """A finished binary experiment whose classes are "=up" (a formula!) and "down"."""
    upload = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")})
    spec = {
        "dataset_id": upload.json()["id"],
        "label": "direction",
        "layers": [{"units": 8}],
        "training": {"epochs": 30, "learning_rate": 0.05, "early_stopping_patience": None},
    }
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    run_queued()
    assert client.get(f"/api/experiments/{experiment_id}").json()["status"] == "completed"
    return int(experiment_id)


def test_predictions_csv_has_every_row_and_is_spreadsheet_safe(client: TestClient, trained: int) -> None:
    response = client.get(f"/api/experiments/{trained}/predictions.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == ROWS
    assert sorted(int(row["row"]) for row in rows) == list(range(1, ROWS + 1))
    assert {row["split"] for row in rows} == {"train", "validation", "test"}
    assert list(rows[0]) == [
        "row", "size", "colour", "split", "actual", "predicted", "probability: =up", "probability: down",
    ]
    assert {row["actual"] for row in rows} == {"'=up", "down"}
    assert all(not row["predicted"].startswith("=") for row in rows)
    assert all(0.0 <= float(row["probability: down"]) <= 1.0 for row in rows)


def test_predict_json_rows(client: TestClient, trained: int) -> None:
    rows = [
        {"size": 3, "colour": "red", "id": "a"},
        {"size": 25, "colour": "purple", "id": "b"},
        {"size": 500, "colour": "blue", "id": "c"},
    ]
    response = client.post(f"/api/experiments/{trained}/predict", json={"rows": rows})
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert [p["id"] for p in predictions] == ["a", "b", "c"]  # extra columns pass through
    assert predictions[0]["predicted"] == "down" and predictions[0]["notes"] == ""
    assert "purple" in predictions[1]["notes"] and "not seen in training" in predictions[1]["notes"]
    assert "outside the training range" in predictions[2]["notes"]
    assert abs(predictions[0]["probability: down"] + predictions[0]["probability: =up"] - 1) < 1e-5


def test_predict_names_a_missing_feature(client: TestClient, trained: int) -> None:
    response = client.post(f"/api/experiments/{trained}/predict", json=[{"size": 3}])
    assert response.status_code == 422
    assert "colour" in response.json()["detail"]
    bad = client.post(f"/api/experiments/{trained}/predict", json={"rows": "nope"})
    assert bad.status_code == 422


def test_predict_csv_upload_returns_csv(client: TestClient, trained: int) -> None:
    upload = "colour;size;direction\nred;4;down\n=evil();28;=up\n"
    response = client.post(
        f"/api/experiments/{trained}/predict", files={"file": ("new.csv", io.BytesIO(upload.encode()), "text/csv")}
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["colour"] for row in rows] == ["red", "'=evil()"]
    assert rows[1]["notes"].startswith("'") is False and "not seen" in rows[1]["notes"]
    assert rows[0]["predicted"] == "down"


def test_epochs_and_model(client: TestClient, trained: int) -> None:
    epochs = client.get(f"/api/experiments/{trained}/epochs").json()
    assert [row["epoch"] for row in epochs] == list(range(1, 31))
    response = client.get(f"/api/experiments/{trained}/model")
    assert response.status_code == 200
    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert {"model.json", "weights.npz", "predict.py", "MODEL_CARD.md"} <= names


def test_model_onnx_predicts_as_the_api(client: TestClient, trained: int) -> None:
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency: `make install-dev`")
    response = client.get(f"/api/experiments/{trained}/model.onnx")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    session = ort.InferenceSession(response.content, providers=["CPUExecutionProvider"])
    assert {node.name: node.type for node in session.get_inputs()} == {"size": "tensor(float)",
                                                                       "colour": "tensor(string)"}
    rows = [{"size": 3, "colour": "red"}, {"size": 25, "colour": "purple"}, {"size": 20, "colour": ""}]
    feeds = {"size": np.array([[r["size"]] for r in rows], dtype=np.float32),
             "colour": np.array([[r["colour"]] for r in rows], dtype=object)}
    labels, probabilities = session.run(["label", "probabilities"], feeds)
    api = client.post(f"/api/experiments/{trained}/predict", json={"rows": [
        {**row, "colour": row["colour"] or None} for row in rows]}).json()["predictions"]
    assert list(labels) == [p["predicted"] for p in api]
    np.testing.assert_allclose(probabilities[:, 0], [p["probability: =up"] for p in api], atol=1e-5)


def test_unfinished_experiments_have_nothing_to_give(client: TestClient) -> None:
    upload = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")})
    experiment_id = client.post(
        "/api/experiments", json={"dataset_id": upload.json()["id"], "label": "direction"}
    ).json()["id"]
    for path in ("predictions.csv", "model", "model.onnx"):
        response = client.get(f"/api/experiments/{experiment_id}/{path}")
        assert response.status_code == 409, path
        assert "queued" in response.json()["detail"] or "no saved model" in response.json()["detail"]
    assert client.post(f"/api/experiments/{experiment_id}/predict", json=[{"size": 1}]).status_code == 409
