"""LAYERLAB_EXECUTOR=dask on a 2-worker LocalCluster: an experiment end to end, a sweep
fanned out, cancel mid-run, a server stopped mid-run, and workers that cannot see the data."""

from __future__ import annotations

import pytest
from distributed import Client
from fastapi.testclient import TestClient

from tests.cluster.conftest import experiment, hidden_attempts, wait_finished, wait_until
from tests.jobs.test_worker import new_dataset, new_experiment

pytestmark = pytest.mark.cluster


def test_an_experiment_trains_on_a_dask_worker_end_to_end(app_client: TestClient, cluster: Client) -> None:
    experiment_id = new_experiment(app_client, new_dataset(app_client), epochs=5)
    info = wait_finished(app_client, experiment_id)
    assert info["status"] == "completed", info["error"]
    assert info["epochs_done"] == 5 and info["metrics"]["test"]["accuracy"] is not None
    assert info["worker_address"] in cluster.scheduler_info(n_workers=-1)["workers"]
    events = app_client.get(f"/api/experiments/{experiment_id}/events").text
    assert events.count("event: epoch") == 5 and "event: done" in events
    assert app_client.get(f"/api/experiments/{experiment_id}/model").is_success
    predictions = app_client.get(f"/api/experiments/{experiment_id}/predictions.csv")
    assert predictions.status_code == 200 and len(predictions.text.splitlines()) == 121
    page = app_client.get(f"/experiments/{experiment_id}").text
    assert f"ran on Dask worker <code>{info['worker_address']}</code>" in page
    # Continued training starts from the model the cluster sent back.
    continued = app_client.post(f"/api/experiments/{experiment_id}/continue", json={"epochs": 2})
    assert continued.status_code == 202, continued.text
    after = wait_finished(app_client, continued.json()["id"])
    assert after["status"] == "completed", after["error"]
    assert after["parent_epoch"] == 5 and after["epochs_done"] == 7


def test_the_workers_never_open_the_servers_data_directory(app_client: TestClient, cluster: Client) -> None:
    dataset_id = new_dataset(app_client)
    datasets_dir = app_client.app.state.settings.datasets_dir  # type: ignore[attr-defined]
    stored = next(datasets_dir.glob("*.frame.parquet"))  # what a task would read if it could
    probed = sorted(cluster.scheduler_info(n_workers=-1)["workers"])[0]
    with pytest.raises(PermissionError):  # the workers really cannot read it
        cluster.run(open, str(stored), workers=[probed])
    experiment_id = new_experiment(app_client, dataset_id, epochs=3)
    info = wait_finished(app_client, experiment_id)
    assert info["status"] == "completed", info["error"]
    assert hidden_attempts(cluster) == [str(stored.resolve())]  # only the probe above


def test_a_sweep_fans_out_over_both_workers(app_client: TestClient, cluster: Client) -> None:
    dataset_id = new_dataset(app_client)
    body = {"base": {"dataset_id": dataset_id, "label": "kind", "layers": [{"units": 8, "activation": "relu"}],
                     "training": {"epochs": 30, "batch_size": 16, "early_stopping_patience": None}},
            "space": {"units": [4, 8], "learning_rate": [0.01, 0.05]}, "strategy": "grid", "repeats": 1}
    response = app_client.post("/api/sweeps", json=body)
    assert response.status_code == 202, response.text
    sweep_id = response.json()["id"]
    ids = [e["id"] for e in app_client.get(f"/api/experiments?dataset_id={dataset_id}").json()]
    assert len(ids) == 4
    finished = [wait_finished(app_client, experiment_id) for experiment_id in ids]
    assert [info["status"] for info in finished] == ["completed"] * 4
    assert len({info["worker_address"] for info in finished}) == 2
    sweep = app_client.get(f"/api/sweeps/{sweep_id}").json()
    assert len(sweep["leaderboard"]) == 4


def test_cancel_stops_a_run_on_the_cluster(app_client: TestClient) -> None:
    experiment_id = new_experiment(app_client, new_dataset(app_client), epochs=10_000,
                                   early_stopping_patience=None)
    wait_until(lambda: experiment(app_client, experiment_id)["epochs_done"] >= 2, "two epochs")
    assert app_client.post(f"/api/experiments/{experiment_id}/cancel").is_success
    info = wait_finished(app_client, experiment_id)
    assert info["status"] == "cancelled"
    assert 2 <= info["epochs_done"] < 10_000


def test_pause_step_and_resume_on_the_cluster(app_client: TestClient) -> None:
    experiment_id = new_experiment(app_client, new_dataset(app_client), epochs=10_000,
                                   early_stopping_patience=None)
    wait_until(lambda: experiment(app_client, experiment_id)["epochs_done"] >= 1, "an epoch")
    assert app_client.post(f"/api/experiments/{experiment_id}/pause").is_success
    paused = wait_until(lambda: (info := experiment(app_client, experiment_id))["status"] == "paused" and info,
                        "the run to pause")
    assert app_client.post(f"/api/experiments/{experiment_id}/step").is_success
    wait_until(lambda: experiment(app_client, experiment_id)["epochs_done"] == paused["epochs_done"] + 1,
               "one more epoch")
    stepped = wait_until(lambda: (info := experiment(app_client, experiment_id))["status"] == "paused"
                         and info["epochs_done"] == paused["epochs_done"] + 1 and info, "the run to pause again")
    assert app_client.post(f"/api/experiments/{experiment_id}/resume").is_success
    wait_until(lambda: experiment(app_client, experiment_id)["epochs_done"] >= stepped["epochs_done"] + 3,
               "training to carry on")
    assert app_client.post(f"/api/experiments/{experiment_id}/cancel").is_success
    assert wait_finished(app_client, experiment_id)["status"] == "cancelled"


def test_cross_validation_folds_run_as_tasks(app_client: TestClient) -> None:
    dataset_id = new_dataset(app_client)
    spec = {"dataset_id": dataset_id, "label": "kind", "layers": [{"units": 8, "activation": "relu"}],
            "split": {"folds": 3}, "training": {"epochs": 5, "batch_size": 16}}
    response = app_client.post("/api/experiments", json=spec)
    assert response.status_code == 202, response.text
    experiment_id = response.json()["id"]
    assert wait_finished(app_client, experiment_id)["status"] == "completed"

    def folds() -> dict | None:
        result = app_client.get(f"/api/experiments/{experiment_id}/cross-validation").json()
        return result if result and result.get("status") == "completed" else None

    result = wait_until(folds, "the folds")
    assert [fold["fold"] for fold in result["folds"]] == [1, 2, 3]
    assert result["mean"]["accuracy"] is not None
