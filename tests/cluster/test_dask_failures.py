"""On a 2-worker LocalCluster: a Dask worker killed mid-run, and a server stopped mid-run."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from distributed import Client
from fastapi.testclient import TestClient

from app.main import create_app
from tests.cluster.conftest import experiment, wait_finished, wait_until
from tests.conftest import make_settings
from tests.jobs.test_worker import new_dataset, new_experiment

pytestmark = pytest.mark.cluster


def test_a_killed_dask_worker_leaves_its_run_interrupted_with_a_reason(
    app_client: TestClient, cluster: Client
) -> None:
    dataset_id = new_dataset(app_client)
    experiment_id = new_experiment(app_client, dataset_id, epochs=10_000, early_stopping_patience=None)
    running = wait_until(lambda: (info := experiment(app_client, experiment_id))["epochs_done"] >= 1
                         and info["worker_address"] and info, "the run to train on a worker")
    address = running["worker_address"]
    pid = cluster.run(os.getpid, workers=[address])[address]
    os.kill(pid, signal.SIGKILL)
    info = wait_finished(app_client, experiment_id)
    assert info["status"] == "interrupted"
    assert address in info["error"] and "Restart" in info["error"]
    page = app_client.get(f"/experiments/{experiment_id}").text
    assert "stopped unexpectedly" in page
    # The cluster replaces the worker, and the next run trains as usual.
    following = new_experiment(app_client, dataset_id, epochs=3)
    assert wait_finished(app_client, following)["status"] == "completed"


def test_a_stopped_server_queues_its_cluster_runs_for_the_next(cluster: Client, data_root: Path) -> None:
    settings = make_settings(data_root / "restarted", executor="dask", dask_scheduler=cluster.scheduler.address)
    with TestClient(create_app(settings)) as first:
        experiment_id = new_experiment(first, new_dataset(first), epochs=10_000, early_stopping_patience=None)
        wait_until(lambda: experiment(first, experiment_id)["epochs_done"] >= 1, "the first server's run")
    with TestClient(create_app(settings)) as second:
        requeued = experiment(second, experiment_id)
        assert requeued["status"] in ("queued", "running") and requeued["error"] is None
        wait_until(lambda: (info := experiment(second, experiment_id))["status"] == "running"
                   and info["epochs_done"] >= 1, "the next server's run")
        assert second.post(f"/api/experiments/{experiment_id}/cancel").is_success
        assert wait_finished(second, experiment_id)["status"] == "cancelled"
