"""Ingestion: a 1,000,000-row x 20-column CSV uploaded through the API, and read and profiled,
against bare `pandas.read_csv` (with pyarrow installed: Arrow strings, pandas' fastest default)
and pandas' classic path (C engine, NumPy object strings); and an experiment's load of the
stored Parquet copy against re-reading the CSV.

The goal's figure is the upload to a real `layerlab serve`, streamed from another process as a
browser sends it: the server's request time, CPU time and peak memory. The in-process upload
(TestClient) is printed beside it; TestClient reads the whole request body into memory before
the app sees it, so its time and memory include a client's copies that a server never holds.

Each measurement runs in a fresh Python process, so one cannot warm or bloat the other.
Peak memory is the process's peak resident set size (VmHWM in /proc/<pid>/status), reset with
/proc/<pid>/clear_refs after its imports so it counts the work, not the interpreter and
libraries; the process's total (RSS after imports plus that peak) is printed too. CPU time (all
threads) is printed beside the wall time: on a busy shared machine the wall-clock ratio mostly
measures the neighbours, the CPU ratio the work. Targets: the upload within 2x of pandas' wall
time, its peak memory no more than pandas'.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 1_000_000
ROUNDS = 3
TARGET_RATIO = 2.0
MEMORY_TARGET_RATIO = 1.0
CACHE = Path(__file__).parent / "out" / f"ingest_{ROWS}x20.csv"


MODES = ("pandas", "classic", "arrow", "layerlab", "upload", "served")
LOAD_MODES = ("load_csv", "load_parquet")


def main() -> None:
    path = ensure_dataset(CACHE)
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.0f} MB, {ROWS:,} rows x 20 columns")
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES + LOAD_MODES}
    with tempfile.TemporaryDirectory(prefix="layerlab-bench-") as data_dir:
        for _ in range(ROUNDS):  # alternate, so every mode sees the same machine load
            for mode in MODES:
                results[mode].append(_measure(mode, path, data_dir))
            for mode in LOAD_MODES:  # the dataset the last upload stored
                results[mode].append(_measure(mode, path, data_dir))
    best = {mode: min(runs, key=lambda run: run["seconds"]) for mode, runs in results.items()}
    reference = best["pandas"]["seconds"]
    labels = {
        "pandas": "pandas.read_csv(path) (pyarrow installed: Arrow strings)",
        "classic": 'pandas.read_csv(engine="c"), NumPy object strings',
        "arrow": "pyarrow.csv.read_csv(path).to_pandas(), defaults",
        "layerlab": "read_csv_file + profile_frame",
        "upload": "POST /api/datasets in-process (TestClient: whole body)",
        "served": "POST /api/datasets to `layerlab serve` (streamed)",
        "load_csv": "experiment load: re-read the stored CSV",
        "load_parquet": "experiment load: the stored Parquet",
    }
    for mode, label in labels.items():
        extra = ""
        if mode == "layerlab":
            extra = f"  (read {best[mode]['read_seconds']:.2f} s, profile {best[mode]['profile_seconds']:.2f} s)"
        cpu = min(run["cpu_seconds"] for run in results[mode])
        print(f"{label:58s} {best[mode]['seconds']:6.2f} s (cpu {cpu:5.2f} s)  {_memory(results[mode])}{extra}")
    upload_ratio = best["served"]["seconds"] / reference
    verdict = "met" if upload_ratio <= TARGET_RATIO else "MISSED"
    print(f"upload to a server / pandas.read_csv:  {upload_ratio:.2f}x (target <= {TARGET_RATIO:.1f}x: {verdict})")
    print(f"upload to a server / classic pandas:   {best['served']['seconds'] / best['classic']['seconds']:.2f}x")
    cpu = {mode: min(run["cpu_seconds"] for run in runs) for mode, runs in results.items()}
    print(f"upload to a server / pandas.read_csv, CPU time: {cpu['served'] / cpu['pandas']:.2f}x")
    peak = {mode: max(run["work_peak_mb"] for run in runs) for mode, runs in results.items()}
    memory_ratio = peak["served"] / peak["pandas"]
    memory_verdict = "met" if memory_ratio <= MEMORY_TARGET_RATIO else "MISSED"
    print(
        f"upload to a server / pandas.read_csv, peak memory: {memory_ratio:.2f}x "
        f"(target <= {MEMORY_TARGET_RATIO:.1f}x: {memory_verdict})"
    )
    print(
        f"in-process upload / pandas.read_csv:   {best['upload']['seconds'] / reference:.2f}x, CPU "
        f"{cpu['upload'] / cpu['pandas']:.2f}x, peak memory {peak['upload'] / peak['pandas']:.2f}x "
        "(TestClient reads the whole body first, so its copies count too)"
    )
    print(f"read + profile / pandas.read_csv:      {best['layerlab']['seconds'] / reference:.2f}x")
    print(
        f"Arrow's reader alone / pandas.read_csv: {best['arrow']['seconds'] / reference:.2f}x, CPU "
        f"{cpu['arrow'] / cpu['pandas']:.2f}x (its defaults; no check, profile, digest or copy)"
    )
    load_ratio = best["load_parquet"]["seconds"] / best["load_csv"]["seconds"]
    print(f"Parquet load / CSV load (experiments): {load_ratio:.2f}x")
    print(f"(best of {ROUNDS} runs each, every run in a fresh process)")
    print(
        "memory: a fresh process's peak RSS above its RSS after imports (VmHWM reset via "
        "/proc/self/clear_refs), and the process total"
    )


def _memory(runs: list[dict[str, float]]) -> str:
    work = max(run["work_peak_mb"] for run in runs)
    total = max(run["total_peak_mb"] for run in runs)
    return f"peak +{work:5.0f} MB (process total {total:5.0f} MB)"


def _measure(mode: str, path: Path, data_dir: str) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.ingest", "--child", mode, str(path), data_dir]
    root = Path(__file__).resolve().parent.parent
    output = subprocess.run(command, cwd=root, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _child(mode: str, path: Path, data_dir: Path) -> None:
    import warnings

    import pandas as pd

    # The references import nothing of LayerLab's: importing `app.data` sets Arrow's allocator
    # (app/data/arrow_memory.py), and a pandas user's process keeps Arrow's default.
    if mode == "served":
        print(json.dumps(_served_upload(path, data_dir)))
        return
    if mode == "layerlab":  # imported before the clock starts
        from app.data.csv_reader import CsvLimits, read_csv_file
        from app.data.profiling import profile_frame
    client = _upload_client(data_dir) if mode == "upload" else None
    stored = _stored_dataset(data_dir) if mode in LOAD_MODES else None
    baseline = _reset_peak()
    started = time.perf_counter()
    cpu_started = time.process_time()
    result: dict[str, float] = {}
    if mode == "pandas":
        pd.read_csv(path)
    elif mode == "classic":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas 3 deprecates turning Arrow strings off
            with pd.option_context("future.infer_string", False):
                pd.read_csv(path, engine="c")
    elif mode == "arrow":
        import pyarrow.csv

        pyarrow.csv.read_csv(path).to_pandas()
    elif mode == "upload":
        assert client is not None
        with path.open("rb") as handle:
            response = client.post("/api/datasets", files={"file": (path.name, handle, "text/csv")})
        assert response.status_code == 201, response.text
    elif mode == "load_csv":
        from app.data.csv_reader import load_frame

        assert stored is not None
        load_frame(stored[0], stored[1])
    elif mode == "load_parquet":
        from app.data.frame_store import frame_path, read_frame

        assert stored is not None
        assert read_frame(frame_path(stored[0]), stored[1].missing_tokens) is not None
    else:
        parsed = read_csv_file(path, CsvLimits(max_rows=ROWS, max_columns=100))
        result["read_seconds"] = time.perf_counter() - started
        profile_frame(parsed.frame, column_notes=parsed.column_notes, value_counts=parsed.value_counts)
        result["profile_seconds"] = time.perf_counter() - started - result["read_seconds"]
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = time.process_time() - cpu_started
    peak = _status_mb("VmHWM")
    result["work_peak_mb"] = peak - baseline if baseline is not None else float("nan")
    result["total_peak_mb"] = peak if baseline is not None else _max_rss_mb()
    print(json.dumps(result))


def _served_upload(path: Path, data_dir: Path) -> dict[str, float]:
    """Stream the file to a real `layerlab serve` (no training workers) in another process, as
    a browser would: the figures are the server process's own (its CPU time, its peak memory
    above its memory before the upload), the time is the request's."""
    import os
    import shutil

    import httpx2 as httpx
    import psutil

    from bench.server import _free_port, _wait_until_up

    shutil.rmtree(data_dir, ignore_errors=True)
    port = _free_port()
    env = os.environ | {"LAYERLAB_WORKERS": "0", "LAYERLAB_MAX_UPLOAD_MB": "1000"}
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            _wait_until_up(client, process)
            server = psutil.Process(process.pid)
            Path(f"/proc/{process.pid}/clear_refs").write_text("5")
            baseline = server.memory_info().rss / 2**20
            cpu_before = server.cpu_times()
            started = time.perf_counter()
            with path.open("rb") as handle:
                response = client.post("/api/datasets", files={"file": (path.name, handle, "text/csv")})
            seconds = time.perf_counter() - started
            assert response.status_code == 201, response.text
            cpu_after = server.cpu_times()
            peak = _status_mb("VmHWM", Path(f"/proc/{process.pid}/status"))
    finally:
        process.terminate()
        process.wait(timeout=60)
    cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    return {"seconds": seconds, "cpu_seconds": cpu, "work_peak_mb": peak - baseline, "total_peak_mb": peak}


def _upload_client(data_dir: Path):  # type: ignore[no-untyped-def]
    """An app on `data_dir` (emptied first), as TestClient drives it: the upload goes through
    the multipart stream, reading, profiling, the Parquet copy and the database."""
    import shutil

    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    shutil.rmtree(data_dir, ignore_errors=True)
    settings = Settings(data_dir=data_dir, workers=0, max_upload_mb=1000, allowed_hosts=["testserver"])
    client = TestClient(create_app(settings))
    client.__enter__()
    return client


def _stored_dataset(data_dir: Path):  # type: ignore[no-untyped-def]
    """The last upload's stored CSV and its read options."""
    import sqlite3

    from app.data.csv_options import ReadOptions

    with sqlite3.connect(data_dir / "layerlab.db") as connection:
        name, options = connection.execute(
            "SELECT stored_name, read_options FROM datasets ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return data_dir / "datasets" / name, ReadOptions.from_dict(json.loads(options))


def _reset_peak() -> float | None:
    """Reset this process's peak RSS to its current RSS (Linux); return that baseline in MB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _status_mb("VmRSS")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str, status: Path = Path("/proc/self/status")) -> float:
    for line in status.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ensure_dataset(path: Path) -> Path:
    """A mixed CSV of ints, floats, categories, booleans, dates and some missing values."""
    if path.exists():
        return path
    import numpy as np
    import pandas as pd

    started = time.perf_counter()
    rng = np.random.default_rng(0)

    def with_missing(values: np.ndarray, fraction: float) -> pd.Series:
        series = pd.Series(values)
        return series.mask(rng.random(ROWS) < fraction)

    days = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, ROWS), unit="D")
    seen = days + pd.to_timedelta(rng.integers(0, 86400 * 30, ROWS), unit="s")
    columns = {
        "id": np.arange(1, ROWS + 1),
        "age": rng.integers(18, 91, ROWS),
        "visits": with_missing(rng.poisson(3, ROWS).astype(float), 0.02),
        "items": rng.integers(0, 1000, ROWS),
        "rooms": rng.integers(1, 8, ROWS),
        **{f"x{i}": with_missing(np.round(rng.normal(100 * i, 10 + i, ROWS), 4), 0.01 * (i % 2)) for i in range(6)},
        "colour": rng.choice(["red", "green", "blue"], ROWS),
        "city": rng.choice([f"City {i}" for i in range(50)], ROWS),
        "plan": with_missing(rng.choice(["basic", "plus", "pro", "team"], ROWS), 0.03),
        "segment": rng.choice(list("ABCDEFGH"), ROWS),
        "active": rng.choice(["true", "false"], ROWS),
        "newsletter": rng.choice(["yes", "no"], ROWS),
        "signup": days.strftime("%Y-%m-%d"),
        "last_seen": with_missing(seen.strftime("%Y-%m-%d %H:%M:%S").to_numpy(), 0.05),
        "code": pd.Series(rng.integers(0, 200_000, ROWS)).map("K{:06d}".format),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    pd.DataFrame(columns).to_csv(partial, index=False)
    partial.replace(path)
    print(f"(generated {path.name} in {time.perf_counter() - started:.0f} s; cached for reuse)")
    return path


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
