"""`make cluster`: a Dask scheduler, two Dask workers and LayerLab on it, on this machine.

The shortest way to see LayerLab train on a cluster: the three run in the foreground and
Ctrl-C (or SIGTERM) stops all of them. The same commands, on other machines, make a
real cluster (see the README's "On a Dask cluster").
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

STOP_SECONDS = 10.0
SCHEDULER_START_SECONDS = 120.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cluster_cli", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address LayerLab and the scheduler bind to")
    parser.add_argument("--port", type=int, default=8000, help="LayerLab's port")
    parser.add_argument("--scheduler-port", type=int, default=8786, help="the Dask scheduler's port")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers, one thread each")
    parser.add_argument("--data-dir", type=Path, help="LayerLab's data directory (default ./data)")
    return parser


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SCHEDULER_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The Dask scheduler did not start on {host}:{port}.")


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """LayerLab first (it queues its runs again), then the workers, then the scheduler."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _start(command: list[str], environment: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    # A session of its own: Ctrl-C reaches only this launcher, which stops the rest in order.
    return subprocess.Popen(command, env=environment, start_new_session=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    address = f"tcp://{args.host}:{args.scheduler_port}"
    dask = [sys.executable, "-m", "dask"]
    started: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        scheduler = _start([*dask, "scheduler", "--host", args.host, "--port", str(args.scheduler_port),
                            "--no-dashboard", "--dashboard-address", ":0"])
        started.append(scheduler)
        _wait_for_port(args.host, args.scheduler_port, scheduler)
        for _ in range(args.workers):
            started.append(_start([*dask, "worker", address, "--nthreads", "1", "--no-dashboard"]))
        environment = {**os.environ, "LAYERLAB_EXECUTOR": "dask", "LAYERLAB_DASK_SCHEDULER": address}
        serve = [sys.executable, "-m", "app.cli", "serve", "--host", args.host, "--port", str(args.port)]
        if args.data_dir is not None:
            serve += ["--data-dir", str(args.data_dir)]
        started.append(_start(serve, environment))
        print(f"Dask scheduler at {address} with {args.workers} workers; Ctrl-C stops everything.", flush=True)
        while all(process.poll() is None for process in started):
            time.sleep(0.5)
        return 1  # one of them ended on its own
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(list(reversed(started)))


if __name__ == "__main__":
    sys.exit(main())
