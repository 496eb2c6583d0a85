"""Server latency while every core trains: p95 of the home page and of one experiment's JSON.

A real `layerlab serve` runs in its own process with one worker per core. The same
requests, from READERS concurrent clients, are timed first with the workers idle (the
reference), then while every worker trains; both are printed, with the ratio.
Each client is a process of its own, as browsers are: as threads of one Python process they
would queue for that process's GIL (an HTTP client spends ~1.7 ms of CPU per request here),
and that queue, not the server, would be part of every figure.
Target: p95 under 100 ms while training. The server's CPU milliseconds per request are
printed too: on a shared machine the latencies follow everyone's load, that figure does not.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx2 as httpx
import numpy as np
import psutil

REQUESTS = 200  # per page, shared among the readers
READERS = 8
TARGET_P95_MS = 100.0
ROWS = 60_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _training_csv(path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(ROWS, 12)).astype(np.float32)
    label = np.where(X[:, 0] * X[:, 1] + np.sin(X[:, 2]) > 0, "yes", "no")
    header = ",".join(f"x{i}" for i in range(12)) + ",label"
    body = "\n".join(",".join(f"{v:.4f}" for v in row) + f",{y}" for row, y in zip(X, label, strict=True))
    path.write_text(header + "\n" + body + "\n")


def _wait_until_up(client: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # a loaded machine imports slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            client.get("/api/datasets")
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start within 180 s")


def _cpu_ms_per_request(server: psutil.Process, base_url: str, path: str, count: int = 100) -> float:
    """The server process's CPU time per request, one client asking ``count`` times."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        client.get(path)
        before = server.cpu_times()
        for _ in range(count):
            client.get(path).raise_for_status()
        after = server.cpu_times()
    return (after.user + after.system - before.user - before.system) * 1000 / count


def _read(base_url: str, path: str, count: int, start: Barrier, results: multiprocessing.Queue) -> None:
    """One client (a process): connect, wait for the others, then ask ``count`` times in turn."""
    times = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        client.get(path).raise_for_status()  # the connection is made before the clock runs
        start.wait()
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    results.put(times)


def _latencies(base_url: str, path: str) -> list[float]:
    """Every request's time in ms, READERS clients each asking in turn as fast as answered."""
    context = multiprocessing.get_context("spawn")  # a clean interpreter per client, as a browser is
    start, results = context.Barrier(READERS), context.Queue()
    readers = [
        context.Process(target=_read, args=(base_url, path, REQUESTS // READERS, start, results))
        for _ in range(READERS)
    ]
    for reader in readers:
        reader.start()
    shares = [results.get(timeout=300) for _ in readers]
    for reader in readers:
        reader.join(30)
        if reader.exitcode != 0:
            raise RuntimeError(f"a reader failed (exit code {reader.exitcode})")
    return [value for share in shares for value in share]


def _p95(times: list[float]) -> float:
    return float(np.percentile(times, 95))


def _report(name: str, idle: list[float], busy: list[float]) -> bool:
    ratio = _p95(busy) / _p95(idle)
    ok = _p95(busy) < TARGET_P95_MS
    print(
        f"{name:<28} idle p50 {statistics.median(idle):6.1f} ms  p95 {_p95(idle):6.1f} ms | "
        f"training p50 {statistics.median(busy):6.1f} ms  p95 {_p95(busy):6.1f} ms "
        f"({ratio:.2f}x idle) {'met' if ok else 'MISSED'}"
    )
    return ok


def main() -> None:
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as temp:
        data_dir = Path(temp) / "data"
        port = _free_port()
        env = os.environ | {"LAYERLAB_WORKERS": str(workers)}
        command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                _wait_until_up(client, process)
                csv_path = Path(temp) / "train.csv"
                _training_csv(csv_path)
                with csv_path.open("rb") as handle:
                    dataset = client.post("/api/datasets", files={"file": ("train.csv", handle, "text/csv")}).json()
                spec = {
                    "dataset_id": dataset["id"],
                    "label": "label",
                    "layers": [{"units": 256}, {"units": 256}],
                    "training": {"epochs": 10_000, "batch_size": 64, "early_stopping_patience": None},
                }
                watched = client.post(
                    "/api/experiments", json=spec | {"training": spec["training"] | {"epochs": 1}}
                ).json()
                while client.get(f"/api/experiments/{watched['id']}").json()["status"] in ("queued", "running"):
                    time.sleep(0.2)
                pages = {"home page": "/", "GET /api/experiments/{id}": f"/api/experiments/{watched['id']}"}
                base_url = f"http://127.0.0.1:{port}"
                server = psutil.Process(process.pid)
                cpu = {name: _cpu_ms_per_request(server, base_url, path) for name, path in pages.items()}
                idle = {name: _latencies(base_url, path) for name, path in pages.items()}
                running = [client.post("/api/experiments", json=spec).json()["id"] for _ in range(workers)]
                while any(client.get(f"/api/experiments/{i}").json()["epochs_done"] < 1 for i in running):
                    time.sleep(0.2)
                busy = {name: _latencies(base_url, path) for name, path in pages.items()}
                statuses = [client.get(f"/api/experiments/{i}").json()["status"] for i in running]
                print(f"{workers} worker(s) training during the measurement: {statuses}; {READERS} concurrent "
                      f"readers (one process each); load average {os.getloadavg()[0]:.1f} on {workers} cores")
                for name in pages:
                    _report(name, idle[name], busy[name])
                print("server CPU per request (one reader, workers idle): "
                      + ", ".join(f"{name} {ms:.1f} ms" for name, ms in cpu.items()))
                for experiment_id in running:
                    client.post(f"/api/experiments/{experiment_id}/cancel")
        finally:
            process.terminate()
            process.wait(30)
