"""One 2-worker `LocalCluster` (processes, one thread each) per test module, its workers
blind to the directory that holds every test server's data, and apps that run on it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest
from distributed import Client, LocalCluster
from fastapi.testclient import TestClient

import tests.cluster.hidden_data as hidden_data
from app.main import create_app
from tests.conftest import make_settings

DEADLINE_SECONDS = 240.0  # a busy 2-core machine starts processes slowly
FINISHED = {"completed", "failed", "cancelled", "interrupted"}

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="module")
def cluster(data_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A client of the module's cluster; its workers cannot open anything under `data_root`."""
    cloudpickle.register_pickle_by_value(hidden_data)  # the workers need not import the tests
    elsewhere = tmp_path_factory.mktemp("worker-cwd")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local, \
            Client(local) as client:
        client.register_plugin(hidden_data.HideDirectory(str(data_root), str(elsewhere)))
        yield client
    cloudpickle.unregister_pickle_by_value(hidden_data)


@pytest.fixture
def app_client(cluster: Client, data_root: Path, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """A LayerLab server with LAYERLAB_EXECUTOR=dask on the module's cluster, fresh data."""
    data_dir = data_root / f"{request.node.name}-{os.getpid()}-{time.monotonic_ns()}"
    settings = make_settings(data_dir, executor="dask", dask_scheduler=cluster.scheduler.address, workers=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def wait_until(condition: Callable[[], Any], what: str, deadline: float = DEADLINE_SECONDS) -> Any:
    ends = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < ends, f"timed out waiting for {what}"
        time.sleep(0.05)


def experiment(client: TestClient, experiment_id: int) -> dict[str, Any]:
    response = client.get(f"/api/experiments/{experiment_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_finished(client: TestClient, experiment_id: int) -> dict[str, Any]:
    return wait_until(lambda: (info := experiment(client, experiment_id))["status"] in FINISHED and info,
                      f"experiment {experiment_id} to finish")


def hidden_attempts(cluster: Client) -> list[str]:
    return [path for paths in cluster.run(hidden_data.attempts).values() for path in paths]
