"""Ingestion: read and profile a 1,000,000-row x 20-column CSV against bare `pandas.read_csv`.

Each measurement runs in a fresh Python process, so one cannot warm or bloat the other.
Peak memory is the child's peak resident set size (VmHWM in /proc/self/status), reset with
/proc/self/clear_refs after its imports so it counts the work, not the interpreter and
libraries; the process's total (RSS after imports plus that peak) is printed too. Target: LayerLab within 2x of pandas.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROWS = 1_000_000
ROUNDS = 3
TARGET_RATIO = 2.0
CACHE = Path(__file__).parent / "out" / f"ingest_{ROWS}x20.csv"


def main() -> None:
    path = ensure_dataset(CACHE)
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.0f} MB, {ROWS:,} rows x 20 columns")
    results: dict[str, list[dict[str, float]]] = {"pandas": [], "layerlab": []}
    for _ in range(ROUNDS):  # alternate, so both see the same machine load
        for mode in results:
            results[mode].append(_measure(mode, path))
    pandas_run = min(results["pandas"], key=lambda run: run["seconds"])
    ours = min(results["layerlab"], key=lambda run: run["seconds"])
    ratio = ours["seconds"] / pandas_run["seconds"]
    print(f"pandas.read_csv:           {pandas_run['seconds']:6.2f} s  {_memory(results['pandas'])}")
    print(
        f"read_csv_file + profile:   {ours['seconds']:6.2f} s  {_memory(results['layerlab'])}"
        f"  (read {ours['read_seconds']:.2f} s, profile {ours['profile_seconds']:.2f} s)"
    )
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"time ratio LayerLab / pandas: {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x: {verdict}; "
        f"best of {ROUNDS} runs each)"
    )
    print(
        "memory: a fresh process's peak RSS above its RSS after imports (VmHWM reset via "
        "/proc/self/clear_refs), and the process total"
    )


def _memory(runs: list[dict[str, float]]) -> str:
    work = max(run["work_peak_mb"] for run in runs)
    total = max(run["total_peak_mb"] for run in runs)
    return f"peak +{work:5.0f} MB (process total {total:5.0f} MB)"


def _measure(mode: str, path: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.ingest", "--child", mode, str(path)]
    root = Path(__file__).resolve().parent.parent
    output = subprocess.run(command, cwd=root, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _child(mode: str, path: Path) -> None:
    import pandas as pd

    from app.data.csv_reader import CsvLimits, read_csv_file
    from app.data.profiling import profile_frame

    baseline = _reset_peak()
    started = time.perf_counter()
    result: dict[str, float] = {}
    if mode == "pandas":
        pd.read_csv(path)
    else:
        parsed = read_csv_file(path, CsvLimits(max_rows=ROWS, max_columns=100))
        result["read_seconds"] = time.perf_counter() - started
        profile_frame(parsed.frame)
        result["profile_seconds"] = time.perf_counter() - started - result["read_seconds"]
    result["seconds"] = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    result["work_peak_mb"] = peak - baseline if baseline is not None else float("nan")
    result["total_peak_mb"] = peak if baseline is not None else _max_rss_mb()
    print(json.dumps(result))


def _reset_peak() -> float | None:
    """Reset this process's peak RSS to its current RSS (Linux); return that baseline in MB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _status_mb("VmRSS")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
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
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
