"""LAYERLAB_EXECUTOR=dask without a scheduler address: LayerLab starts a LocalCluster of
LAYERLAB_WORKERS single-threaded worker processes, and no local training pool."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.jobs.dask_executor import DaskExecutor
from app.main import create_app
from tests.cluster.conftest import wait_finished, wait_until
from tests.conftest import make_settings
from tests.jobs.test_worker import new_dataset, new_experiment

pytestmark = pytest.mark.cluster


def test_without_an_address_layerlab_runs_its_own_local_cluster(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", executor="dask", workers=2)
    with TestClient(create_app(settings)) as client:
        executor = client.app.state.executor  # type: ignore[attr-defined]
        assert isinstance(executor, DaskExecutor)  # and so no local worker process
        wait_until(executor.connected.is_set, "the local cluster")
        workers = executor.client.scheduler_info(n_workers=-1)["workers"]
        assert sorted(worker["nthreads"] for worker in workers.values()) == [1, 1]
        nannies = [type(worker).__name__ for worker in executor.cluster.workers.values()]
        assert nannies == ["Nanny", "Nanny"]  # worker processes, not threads of the server
        experiment_id = new_experiment(client, new_dataset(client), epochs=3)
        info = wait_finished(client, experiment_id)
        assert info["status"] == "completed" and info["worker_address"] in workers
