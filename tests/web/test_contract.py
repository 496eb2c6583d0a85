"""The typed contract: /openapi.json describes every JSON success and the real error shape,
and the bodies the routes send validate against the models they declare."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.web.contract.common import ErrorDetail
from app.web.contract.datasets import DatasetDetail, DatasetSummary
from app.web.contract.experiments import Epoch, ExperimentDetail, ExperimentSummary
from app.web.contract.inspection import Inspection
from app.web.contract.results import CrossValidation, LargestErrors, Predictions
from app.web.contract.sweeps import SweepDetail, SweepEstimate, SweepSummary

ERROR_REF = "#/components/schemas/ErrorDetail"
CSV = "size,colour,direction\n" + "".join(
    f"{i % 30},{['red', 'blue', 'green'][i % 3]},{'up' if i % 30 >= 15 else 'down'}\n" for i in range(90)
)


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items() if path.startswith("/api")
        for method, operation in item.items()
    ]


def test_every_api_route_documents_its_success_body(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = _operations(document)
    assert len(operations) > 30
    for method, path, operation in operations:
        successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        assert successes, f"{method} {path} documents no success"
        for code, response in successes.items():
            if code == "204":
                assert not response.get("content"), f"{method} {path}: 204 has no body"
                continue
            content = response.get("content") or {}
            assert content, f"{method} {path} {code} documents no body"
            for media_type, body in content.items():
                schema = body.get("schema") or body.get("itemSchema") or {}
                assert schema, f"{method} {path} {code} {media_type}: empty schema"
                if media_type == "application/json":  # a model, or a list of models
                    target = schema.get("items", schema)
                    assert "$ref" in target, f"{method} {path} {code}: {schema} names no model"


def test_every_error_response_is_the_detail_sentence(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
    routes_with_ids = 0
    for method, path, operation in _operations(document):
        errors = {code: r for code, r in operation["responses"].items() if not code.startswith("2")}
        for code, response in errors.items():
            assert code.startswith("4"), f"{method} {path} documents {code}"
            assert response["content"] == {"application/json": {"schema": {"$ref": ERROR_REF}}}, (method, path, code)
            assert response["description"] != "Validation Error"
        if "{" in path:
            routes_with_ids += 1
            assert {"404", "422"} <= set(errors), f"{method} {path}: a wrong id is a 404, a malformed one a 422"
    assert routes_with_ids > 20


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/experiments/abc", None, 422),
        ("GET", "/api/experiments/7", None, 404),
        ("POST", "/api/experiments", {"label": "x"}, 422),
        ("POST", "/api/datasets", None, 415),
        ("POST", "/api/sweeps/1/reveal", {"config": 0}, 422),
    ],
)
def test_errors_sent_match_the_documented_model(
    client: TestClient, method: str, path: str, body: Any, status: int
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == status
    error = ErrorDetail.model_validate(response.json())
    assert set(response.json()) == {"detail"} and error.detail.endswith(".")
    documented = client.get("/openapi.json").json()["paths"]
    template = path.replace("abc", "{experiment_id}").replace("/7", "/{experiment_id}").replace("/1/", "/{sweep_id}/")
    assert str(status) in documented[template][method.lower()]["responses"]


@pytest.fixture
def finished(client: TestClient, run_queued: Callable[[], int]) -> tuple[int, int]:
    """A dataset and a finished binary experiment with 2-fold cross-validation."""
    dataset_id = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")}).json()[
        "id"]
    spec = {"dataset_id": dataset_id, "label": "direction", "layers": [{"units": 4}], "split": {"folds": 2},
            "training": {"epochs": 3, "early_stopping_patience": None}}
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    run_queued()
    return dataset_id, experiment_id


def test_real_bodies_validate_against_their_models(
    client: TestClient, run_queued: Callable[[], int], finished: tuple[int, int]
) -> None:
    dataset_id, experiment_id = finished
    base = f"/api/experiments/{experiment_id}"
    checks: list[tuple[str, Any]] = [
        (f"/api/datasets/{dataset_id}", DatasetDetail),
        (base, ExperimentDetail),
        (f"{base}/cross-validation", CrossValidation),
        (f"{base}/errors?split=validation", LargestErrors),
        (f"{base}/inspect", Inspection),
    ]
    for path, model in checks:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text)
        parsed = model.model_validate(response.json())
        assert parsed.model_dump(mode="json", exclude_unset=True) == response.json(), path
    assert ExperimentDetail.model_validate(client.get(base).json()).status == "completed"
    for path, item in (("/api/datasets", DatasetSummary), ("/api/experiments", ExperimentSummary),
                       (f"{base}/epochs", Epoch)):
        rows = client.get(path).json()
        assert rows and all(item.model_validate(row) for row in rows)

    predicted = client.post(f"{base}/predict", json=[{"size": 3, "colour": "red"}])
    assert Predictions.model_validate(predicted.json()).predictions[0]["predicted"] in ("up", "down")

    sweep = {"base": {"dataset_id": dataset_id, "label": "direction", "training": {"epochs": 2}},
             "space": {"learning_rate": [0.01, 0.1]}}
    assert SweepEstimate.model_validate(client.post("/api/sweeps/estimate", json=sweep).json()).configs == 2
    sweep_id = client.post("/api/sweeps", json=sweep).json()["id"]
    run_queued()
    revealed = client.post(f"/api/sweeps/{sweep_id}/reveal", json={}).json()
    detail = SweepDetail.model_validate(revealed)
    assert detail.model_dump(mode="json", exclude_unset=True) == revealed
    assert [row.config for row in detail.leaderboard if row.test_mean is not None] == [detail.revealed_config]
    assert SweepSummary.model_validate(client.get("/api/sweeps").json()[0]).id == sweep_id
