"""`make cluster`'s launcher: a scheduler, two workers and LayerLab in the foreground; an
experiment trains on a worker; SIGINT (Ctrl-C) stops all of them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.cluster.conftest import wait_until

pytestmark = pytest.mark.cluster


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def answers(base: str) -> bool:
    try:
        call(base, "GET", "/api/datasets")
    except OSError:
        return False
    return True


def test_make_cluster_trains_on_its_workers_and_ctrl_c_stops_all_three(tmp_path: Path) -> None:
    port, scheduler_port = free_port(), free_port()
    launcher = subprocess.Popen(
        [sys.executable, "-m", "app.cluster_cli", "--port", str(port), "--scheduler-port", str(scheduler_port),
         "--data-dir", str(tmp_path / "data")],
        env={**os.environ, "LAYERLAB_WORKERS": "0"},  # ignored: the cluster's two workers train
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(base), "LayerLab to answer")
        children = psutil.Process(launcher.pid).children(recursive=True)
        dataset = call(base, "POST", "/api/datasets/samples/iris")
        created = call(base, "POST", "/api/experiments", {"dataset_id": dataset["id"], "label": "species",
                                                          "training": {"epochs": 3}})
        finished = wait_until(
            lambda: (info := call(base, "GET", f"/api/experiments/{created['id']}"))["status"]
            in ("completed", "failed", "interrupted") and info, "the experiment")
        assert finished["status"] == "completed"
        assert finished["worker_address"].startswith("tcp://127.0.0.1:")
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(120) == 0
        gone, alive = psutil.wait_procs(children, timeout=60)
        assert alive == [] and len(gone) >= 4  # scheduler, two workers (and their nannies' children), LayerLab
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
