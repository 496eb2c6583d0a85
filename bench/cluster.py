"""The same 32-run sweep on the local pool (2 worker processes) and on a 2-worker Dask
`LocalCluster` (LAYERLAB_EXECUTOR=dask, no scheduler address): wall time of each, their
ratio, what a run costs on top of its training on each (overhead per task), and how busy
the cluster's two workers were.

Both executors are warmed first (one run per worker: imports, first data transfer), so
the sweep's time is the steady state a long sweep sees.
"""

from __future__ import annotations

import io
import json
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

WORKERS = 2
FINISHED = {"completed", "failed", "cancelled", "interrupted"}
SWEEP_SPACE = {"units": [8, 16, 32, 64], "learning_rate": [0.003, 0.01, 0.03, 0.1]}
REPEATS = 2  # 16 configurations × 2 = 32 runs
EPOCHS = 40
DEADLINE_SECONDS = 1800.0


def _csv(rows: int = 2000) -> bytes:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 6))
    label = np.where(x[:, 0] + x[:, 1] * x[:, 2] > 0, "yes", "no")
    rows_text = [",".join(f"{v:.4f}" for v in row) + f",{y}" for row, y in zip(x, label, strict=True)]
    lines = ["a,b,c,d,e,f,label", *rows_text]
    return ("\n".join(lines) + "\n").encode()


def _wait(client: TestClient, ids: list[int]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        infos = [client.get(f"/api/experiments/{i}").json() for i in ids]
        if all(info["status"] in FINISHED for info in infos):
            return infos
        if time.monotonic() > deadline:
            raise TimeoutError("the sweep did not finish")
        time.sleep(0.2)


def _seconds(info: dict[str, Any]) -> float:
    return (datetime.fromisoformat(info["finished_at"]) - datetime.fromisoformat(info["started_at"])).total_seconds()


def _training_seconds(client: TestClient, experiment_id: int) -> float:
    events = client.get(f"/api/experiments/{experiment_id}/events").text
    return sum(json.loads(line[6:])["seconds"] for line in events.splitlines()
               if line.startswith("data: ") and '"seconds"' in line)


def _cancel_seconds(client: TestClient, base: dict[str, Any]) -> float:
    """From the cancel request to the run showing `cancelled`."""
    spec = {**base, "training": {**base["training"], "epochs": 10_000}}
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    while client.get(f"/api/experiments/{experiment_id}").json()["epochs_done"] < 2:
        time.sleep(0.05)
    asked = time.perf_counter()
    client.post(f"/api/experiments/{experiment_id}/cancel")
    while client.get(f"/api/experiments/{experiment_id}").json()["status"] != "cancelled":
        time.sleep(0.02)
    return time.perf_counter() - asked


def _run(executor: str, data_dir: Path) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, workers=WORKERS, executor=executor,  # type: ignore[arg-type]
                        allowed_hosts=["testserver"])
    with TestClient(create_app(settings)) as client:
        upload = client.post("/api/datasets", files={"file": ("bench.csv", io.BytesIO(_csv()), "text/csv")})
        dataset_id = upload.json()["id"]
        base = {"dataset_id": dataset_id, "label": "label", "layers": [{"units": 16, "activation": "relu"}],
                "training": {"epochs": EPOCHS, "batch_size": 64, "early_stopping_patience": None}}
        warm = [client.post("/api/experiments", json={**base, "training": {**base["training"], "epochs": 2}})
                .json()["id"] for _ in range(WORKERS)]
        _wait(client, warm)
        started = time.perf_counter()
        sweep = client.post("/api/sweeps", json={"base": base, "space": SWEEP_SPACE, "strategy": "grid",
                                                 "repeats": REPEATS})
        assert sweep.status_code == 202, sweep.text
        ids = [e["id"] for e in client.get(f"/api/experiments?dataset_id={dataset_id}").json() if e["id"] not in warm]
        infos = _wait(client, ids)
        wall = time.perf_counter() - started
        statuses = {info["status"] for info in infos}
        cancel = _cancel_seconds(client, base)
        runs = [_seconds(info) for info in infos]
        training = [_training_seconds(client, i) for i in ids]
    return {"wall": wall, "runs": len(ids), "statuses": statuses, "run_seconds": runs, "training": training,
            "cancel": cancel, "workers_used": len({info["worker_address"] for info in infos if info["worker_address"]})}


def main() -> None:
    print(f"A {len(SWEEP_SPACE['units']) * len(SWEEP_SPACE['learning_rate']) * REPEATS}-run sweep "
          f"({EPOCHS} epochs each, 2,000 rows) on {WORKERS} workers")
    results = {}
    for executor in ("local", "dask"):
        with tempfile.TemporaryDirectory() as temp:
            results[executor] = result = _run(executor, Path(temp) / "data")
        busy = sum(result["run_seconds"]) / (result["wall"] * WORKERS)
        used = f"; {result['workers_used']} workers ran runs" if executor == "dask" else ""
        print(f"{executor:>5}: {result['wall']:6.1f} s wall for {result['runs']} runs "
              f"({', '.join(sorted(result['statuses']))}); a run {statistics.fmean(result['run_seconds']):.2f} s "
              f"claimed to finished ({statistics.fmean(result['training']):.2f} s of it epochs, the rest "
              f"evaluation and storage); workers busy {busy:.0%}{used}; "
              f"cancel took effect in {result['cancel']:.2f} s", flush=True)
    local, dask = results["local"], results["dask"]
    per_task = (dask["wall"] - local["wall"]) / dask["runs"] * WORKERS
    per_run = statistics.fmean(dask["run_seconds"]) - statistics.fmean(local["run_seconds"])
    print(f"wall time dask / local: {dask['wall'] / local['wall']:.2f}×; overhead per task on the cluster: "
          f"{per_task:+.2f} s (wall difference × workers / runs), {per_run:+.2f} s (claimed-to-finished difference)")
