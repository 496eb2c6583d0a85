"""The decision threshold through the API, the largest errors, and the predictions CSV's inputs."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sklearn import metrics as skm

RNG = np.random.default_rng(0)
N = 400
DEBT = RNG.normal(size=N)
CSV = "debt,note,status\n" + "".join(
    f"{d:.4f},{'=HYPERLINK(1)' if i % 7 == 0 else 'ok'},{'bad' if d + RNG.normal(0, 0.8) > 1.6 else 'good'}\n"
    for i, d in enumerate(DEBT)
)


def _upload(client: TestClient, text: str) -> int:
    response = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(text.encode()), "text/csv")})
    return int(response.json()["id"])


@pytest.fixture
def trained(client: TestClient, run_queued: Callable[[], int]) -> int:
    spec = {"dataset_id": _upload(client, CSV), "label": "status", "features": ["debt", "note"],
            "training": {"epochs": 20, "learning_rate": 0.02, "early_stopping_patience": None}}
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    run_queued()
    assert client.get(f"/api/experiments/{experiment_id}").json()["status"] == "completed"
    return int(experiment_id)


def _rows(client: TestClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_predictions_csv_carries_the_inputs_unless_asked_not_to(client: TestClient, trained: int) -> None:
    rows = _rows(client, f"/api/experiments/{trained}/predictions.csv")
    assert list(rows[0])[:4] == ["row", "debt", "note", "split"]
    assert rows[0]["note"] == "'=HYPERLINK(1)"  # still neutralised against formula injection
    assert float(rows[1]["debt"]) == pytest.approx(DEBT[1], abs=1e-4)
    bare = _rows(client, f"/api/experiments/{trained}/predictions.csv?inputs=false")
    assert list(bare[0]) == ["row", "split", "actual", "predicted", "probability: bad", "probability: good"]
    assert client.get(f"/api/experiments/{trained}/predictions.csv?inputs=maybe").status_code == 422


def test_the_threshold_is_stored_and_used_everywhere(client: TestClient, trained: int, tmp_path: Path) -> None:
    decision = client.get(f"/api/experiments/{trained}").json()["summary"]["decision"]
    assert decision["threshold"] == decision["chosen"] and decision["metric"] == "balanced_accuracy"
    assert decision["positive"] == "good" and set(decision["splits"]) == {"train", "validation", "test"}

    response = client.put(f"/api/experiments/{trained}/threshold", json={"threshold": 0.97})
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["threshold"] == 0.97
    body = client.get(f"/api/experiments/{trained}").json()
    assert body["summary"]["decision"]["threshold"] == 0.97
    assert body["summary"]["decision"]["chosen"] == decision["chosen"]
    rows = _rows(client, f"/api/experiments/{trained}/predictions.csv")
    assert all(row["predicted"] == ("good" if float(row["probability: good"]) >= 0.97 else "bad") for row in rows)
    test = [row for row in rows if row["split"] == "test"]
    assert body["metrics"]["test"]["balanced_accuracy"] == pytest.approx(
        skm.balanced_accuracy_score([r["actual"] for r in test], [r["predicted"] for r in test]))
    matrix = body["summary"]["details"]["test"]["confusion_matrix"]
    assert matrix == skm.confusion_matrix([r["actual"] for r in test], [r["predicted"] for r in test],
                                          labels=["bad", "good"]).tolist()
    assert "On balanced accuracy" in body["summary"]["baseline"]["verdict"]

    new_rows = [{"debt": 0.5, "note": "ok"}, {"debt": -1.0, "note": "ok"}]
    predicted = client.post(f"/api/experiments/{trained}/predict", json=new_rows).json()["predictions"]
    decided = ["good" if p["probability: good"] >= 0.97 else "bad" for p in predicted]
    assert [p["predicted"] for p in predicted] == decided

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/experiments/{trained}/model").content))
    model = json.loads(archive.read("model.json"))
    assert model["label"]["threshold"] == 0.97
    archive.extractall(tmp_path / "model")
    (tmp_path / "new.csv").write_text("debt,note\n0.5,ok\n-1.0,ok\n")
    subprocess.run([sys.executable, str(tmp_path / "model" / "predict.py"), str(tmp_path / "new.csv"),
                    str(tmp_path / "out.csv")], check=True, timeout=60)
    standalone = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert [row["predicted"] for row in standalone] == [p["predicted"] for p in predicted]

    what_if = client.post(f"/experiments/{trained}/what-if", data={"feature-0": "0.5", "feature-1": "ok"},
                          headers={"hx-request": "true"})
    assert f'<p class="prediction">{predicted[0]["predicted"]}</p>' in what_if.text


def test_a_bad_threshold_is_refused_with_a_sentence_and_changes_nothing(client: TestClient, trained: int) -> None:
    before = client.get(f"/api/experiments/{trained}").json()
    for body in ({"threshold": 1.5}, {"threshold": 0}, {"threshold": "high"}, {}, [0.3]):
        response = client.put(f"/api/experiments/{trained}/threshold", json=body)
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], str) and "threshold" in response.json()["detail"]
    assert client.get(f"/api/experiments/{trained}").json() == before
    assert client.put("/api/experiments/999/threshold", json={"threshold": 0.5}).status_code == 404


def test_only_a_finished_binary_experiment_has_a_threshold(client: TestClient, run_queued: Callable[[], int]) -> None:
    dataset_id = _upload(client, CSV)
    regression = client.post("/api/experiments", json={"dataset_id": dataset_id, "label": "debt",
                                                       "training": {"epochs": 2}}).json()["id"]
    response = client.put(f"/api/experiments/{regression}/threshold", json={"threshold": 0.5})
    assert response.status_code == 409 and "queued" in response.json()["detail"]
    run_queued()
    response = client.put(f"/api/experiments/{regression}/threshold", json={"threshold": 0.5})
    assert response.status_code == 409 and "binary" in response.json()["detail"]


def test_largest_errors_of_a_split(client: TestClient, trained: int) -> None:
    response = client.get(f"/api/experiments/{trained}/errors?split=test&limit=5")
    assert response.status_code == 200, response.text
    body = response.json()
    stored = client.get(f"/api/experiments/{trained}").json()["summary"]["decision"]["threshold"]
    assert body["split"] == "test" and body["threshold"] == stored
    errors = body["rows"]
    assert 0 < len(errors) <= 5
    given = [e["probability_actual"] for e in errors]
    assert given == sorted(given) and all(e["actual"] != e["predicted"] for e in errors)
    assert set(errors[0]["inputs"]) == {"debt", "note"} and 0 <= errors[0]["probability"] <= 1
    assert client.get(f"/api/experiments/{trained}/errors?split=everything").status_code == 422
    assert client.get(f"/api/experiments/{trained}/errors?limit=0").status_code == 422


def test_warnings_that_depend_on_the_threshold_follow_it(client: TestClient, trained: int) -> None:
    response = client.put(f"/api/experiments/{trained}/threshold", json={"threshold": 0.01})
    assert response.status_code == 200
    warnings = client.get(f"/api/experiments/{trained}").json()["summary"]["warnings"]
    constant = [w["message"] for w in warnings if w["kind"] == "constant_prediction"]
    assert len(constant) == 1 and 'predicts "good" for' in constant[0]  # everything is "good" from 0.01 on
    client.put(f"/api/experiments/{trained}/threshold", json={"threshold": 0.5})
    warnings = client.get(f"/api/experiments/{trained}").json()["summary"]["warnings"]
    assert len([w for w in warnings if w["kind"] == "class_imbalance"]) <= 1
