"""Specs are checked against an estimate of memory and time per epoch before they are queued."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.jobs.budget import training_cost
from app.jobs.sweep_estimates import DataShape
from app.main import create_app
from app.specs import ExperimentSpec

CSV = "a,b,c,label\n" + "".join(f"{i % 5},{i * 0.1:.1f},{i % 3},{'xy'[i % 2]}\n" for i in range(200))
HUGE = [{"units": 4096}] * 16


def _upload(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(CSV.encode()), "text/csv")})
    return int(response.json()["id"])


def _spec(dataset_id: int, **changes: Any) -> dict[str, Any]:
    return {"dataset_id": dataset_id, "label": "label", "training": {"epochs": 3}} | changes


def test_sixteen_layers_of_4096_units_are_refused_with_the_estimate_and_the_limit(client: TestClient) -> None:
    dataset_id = _upload(client)
    response = client.post("/api/experiments", json=_spec(dataset_id, layers=HUGE))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "MB of memory" in detail and "the limit is 4,096 MB" in detail
    assert "LAYERLAB_MAX_MODEL_MEMORY_MB" in detail
    assert client.get("/api/experiments").json() == []
    assert client.post("/api/experiments", json=_spec(dataset_id, layers=[{"units": 256}] * 4)).status_code == 202


def test_the_time_per_epoch_limit_is_a_setting(settings_factory) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = settings_factory(max_epoch_seconds=0.0001)
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/experiments", json=_spec(_upload(client)))
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert "per epoch" in detail and "the limit is 0.0001 s" in detail and "LAYERLAB_MAX_EPOCH_SECONDS" in detail


def test_each_sweep_run_is_checked(client: TestClient) -> None:
    dataset_id = _upload(client)
    body = {"base": _spec(dataset_id), "space": {"hidden_layers": [16], "units": [8, 4096]}}
    response = client.post("/api/sweeps", json=body)
    assert response.status_code == 422
    assert "units per layer 4096" in response.json()["detail"] and "MB of memory" in response.json()["detail"]
    assert client.get("/api/experiments").json() == []


def test_the_builder_refuses_too_large_a_network(client: TestClient) -> None:
    dataset_id = _upload(client)
    form = {"label": "label", "op": "train", "layer-units": ["4096"] * 16, "layer-activation": ["relu"] * 16,
            "layer-dropout": ["0"] * 16, "learning_rate": "0.01", "batch_size": "64", "epochs": "10",
            "weight_decay": "0", "seed": "0"}
    response = client.post(f"/datasets/{dataset_id}/builder", data=form, headers={"hx-request": "true"})
    assert response.status_code == 422
    assert "MB of memory" in response.text
    assert client.get("/api/experiments").json() == []


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_parameter_count_matches_the_engine(optimizer: str) -> None:
    from app.engine import build_mlp

    spec = ExperimentSpec.model_validate(
        {"dataset_id": 1, "label": "y", "layers": [{"units": 7, "batchnorm": True}, {"units": 5}],
         "training": {"optimizer": optimizer}}
    )
    cost = training_cost(spec, DataShape(train_rows=100, inputs=4, outputs=3))
    net = build_mlp(4, [{"units": 7, "batchnorm": True}, {"units": 5}], 3, "softmax")
    assert cost.parameters == net.n_parameters
    assert cost.memory_mb > 0 and cost.epoch_seconds > 0
