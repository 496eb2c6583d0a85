"""Kill cases against real `layerlab serve` processes, shared by the crash tests and `bench recovery`.

Each case starts servers on a free port with a temporary data directory, breaks
something with SIGKILL (a worker, the server alone, the whole process group) or
deletes a running experiment, and reports what followed: the killed experiment's
final state, how long it still showed `running`, whether the next queued experiment
completed, and whether SQLite's integrity check passes.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx

START_SECONDS = 300.0  # start-up and first epochs take long on a loaded 2-core machine
SETTLE_SECONDS = 300.0
POLL_SECONDS = 0.2
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CaseResult:
    name: str
    final_status: str | None = None  # of the experiment that was running when it broke
    seconds_running_after: float | None = None  # until it stopped showing `running`
    next_completed: bool = False
    integrity: str = "not checked"
    stray_processes: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def stuck(self) -> bool:
        return self.final_status in (None, "running")

    @property
    def corrupted(self) -> bool:
        return self.integrity != "ok"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _blobs_csv(rows: int = 400) -> bytes:
    lines = ["x1,x2,kind"]
    for index in range(rows):
        centre = 2.0 if index % 2 else -2.0
        kind = "round" if index % 2 else "square"
        lines.append(f"{centre + (index % 7) / 7:.3f},{centre - (index % 5) / 5:.3f},{kind}")
    return ("\n".join(lines) + "\n").encode()


def _process_state(pid: int) -> str | None:
    """The /proc state letter, or None once the process is gone (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state = stat.rsplit(")", 1)[1].split()[0]
    return None if state in ("Z", "X") else state


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(POLL_SECONDS)


class LiveServer:
    """`layerlab serve` in its own process group (so a test can kill the whole group)."""

    def __init__(self, data_dir: Path, workers: int) -> None:
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # cache bytecode: faster starts
        env |= {"LAYERLAB_WORKERS": str(workers)}
        command = [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port), "--data-dir", str(data_dir)]
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        with self.log_path.open("wb") as log:  # the child keeps its own handle
            self.process = subprocess.Popen(
                command, env=env, cwd=PROJECT_ROOT, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
            )
        self.pid = self.process.pid
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)

    def wait_ready(self) -> None:
        wait_until(self._answers, START_SECONDS, "the server to start")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            return self.client.get("/api/datasets").status_code == 200
        except httpx.TransportError:
            return False

    def workers(self) -> list[int]:
        return children_of(self.pid)

    def kill_alone(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait()

    def kill_group(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()

    def signal_group(self, signum: int) -> None:
        """What a terminal's Ctrl-C (SIGINT) or `timeout` (SIGTERM) does: signal every process of the group."""
        os.killpg(self.pid, signum)
        self.process.wait(SETTLE_SECONDS)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Graceful stop (SIGTERM); the group is killed if that does not end it."""
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(60)
        self.kill_group()
        self.client.close()

    # The API, as a person's browser would use it.
    def dataset(self) -> int:
        files = {"file": ("blobs.csv", _blobs_csv(), "text/csv")}
        response = self.client.post("/api/datasets", files=files)
        response.raise_for_status()
        return int(response.json()["id"])

    def experiment(self, dataset_id: int, epochs: int) -> int:
        spec = {
            "dataset_id": dataset_id,
            "label": "kind",
            "layers": [{"units": 8}],
            "training": {"epochs": epochs, "batch_size": 16, "early_stopping_patience": None},
        }
        response = self.client.post("/api/experiments", json=spec)
        response.raise_for_status()
        return int(response.json()["id"])

    def get(self, experiment_id: int) -> dict[str, Any]:
        return self.client.get(f"/api/experiments/{experiment_id}").json()  # type: ignore[no-any-return]

    def status(self, experiment_id: int) -> str:
        return str(self.get(experiment_id)["status"])

    def training(self, experiment_id: int) -> None:
        wait_until(lambda: self.get(experiment_id)["epochs_done"] >= 1, START_SECONDS, "the first epoch")

    def seconds_until_not_running(self, experiment_id: int, since: float) -> tuple[str, float]:
        status = wait_until(
            lambda: (s := self.status(experiment_id)) != "running" and s, SETTLE_SECONDS, "the run to stop"
        )
        return status, time.monotonic() - since

    def completes(self, experiment_id: int) -> bool:
        status = wait_until(
            lambda: (s := self.status(experiment_id)) not in ("queued", "running") and s,
            SETTLE_SECONDS,
            "the next experiment to finish",
        )
        return bool(status == "completed")


@contextmanager
def servers(data_dir: Path) -> Iterator[Callable[[int], LiveServer]]:
    """Start servers on one data directory; every one of them is killed at the end, whatever happens."""
    started: list[LiveServer] = []

    def start(workers: int) -> LiveServer:
        server = LiveServer(data_dir, workers)
        started.append(server)  # before waiting: a server that never answers is killed too
        server.wait_ready()
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


def integrity(data_dir: Path) -> str:
    with sqlite3.connect(data_dir / "layerlab.db") as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def _epoch_rows(data_dir: Path, experiment_id: int) -> int:
    with sqlite3.connect(data_dir / "layerlab.db") as connection:
        query = "SELECT count(*) FROM epoch_metrics WHERE experiment_id = ?"
        return int(connection.execute(query, (experiment_id,)).fetchone()[0])


def _extend_lease(data_dir: Path, experiment_id: int, hours: float) -> None:
    """Make the dead run's lease far from over, so only the instance check can end it quickly."""
    until = (datetime.now(UTC) + timedelta(hours=hours)).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(data_dir / "layerlab.db", timeout=30) as connection:
        connection.execute("UPDATE experiments SET lease_expires_at = ? WHERE id = ?", (until, experiment_id))


def _gone(pids: list[int]) -> list[int]:
    return [pid for pid in pids if _process_state(pid) is not None]


def _training_with_one_queued(server: LiveServer) -> tuple[int, int, int]:
    """The dataset, a long run that is training and a short run queued behind it."""
    dataset = server.dataset()
    running = server.experiment(dataset, 10_000)
    queued = server.experiment(dataset, 3)
    server.training(running)
    return dataset, running, queued


def worker_kill(data_dir: Path) -> CaseResult:
    """kill -9 of the only worker: its run ends with the reason, a new worker takes the queue."""
    result = CaseResult("worker kill -9")
    with servers(data_dir) as start:
        server = start(1)
        dataset = server.dataset()
        running = server.experiment(dataset, 10_000)
        server.training(running)
        [worker] = server.workers()
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        result.final_status, result.seconds_running_after = server.seconds_until_not_running(running, killed_at)
        result.notes.append(str(server.get(running)["error"]))
        result.next_completed = server.completes(server.experiment(dataset, 3))
    result.integrity = integrity(data_dir)
    return result


def server_kill_alone(data_dir: Path) -> CaseResult:
    """kill -9 of the server process alone: its workers die with it; a restart ends the run at once."""
    result = CaseResult("server kill -9 (process alone)")
    with servers(data_dir) as start:
        server = start(1)
        dataset = server.dataset()
        running = server.experiment(dataset, 10_000)
        server.training(running)
        workers = server.workers()
        server.kill_alone()
        try:
            wait_until(lambda: not _gone(workers), SETTLE_SECONDS, "the workers to die with their server")
        except TimeoutError:
            result.stray_processes = _gone(workers)
        restarted = start(1)
        result.final_status, result.seconds_running_after = restarted.seconds_until_not_running(
            running, time.monotonic()
        )
        result.next_completed = restarted.completes(restarted.experiment(dataset, 3))
    result.integrity = integrity(data_dir)
    return result


def server_kill_group(data_dir: Path) -> CaseResult:
    """kill -9 of the whole process group, then an immediate restart with workers."""
    result = CaseResult("server kill -9 (process group)")
    with servers(data_dir) as start:
        server = start(1)
        _, running, queued = _training_with_one_queued(server)
        server.kill_group()
        restarted = start(1)
        result.final_status, result.seconds_running_after = restarted.seconds_until_not_running(
            running, time.monotonic()
        )
        result.next_completed = restarted.completes(queued)
    result.integrity = integrity(data_dir)
    return result


def restart_within_lease(data_dir: Path) -> CaseResult:
    """Group kill, its run's lease still an hour from expiry, restart with LAYERLAB_WORKERS=0:
    the run ends at once; then a server with a worker takes the queue on."""
    result = CaseResult("restart within the lease (no workers)")
    with servers(data_dir) as start:
        server = start(1)
        _, running, queued = _training_with_one_queued(server)
        server.kill_group()
        _extend_lease(data_dir, running, hours=1)
        without_workers = start(0)
        result.final_status, result.seconds_running_after = without_workers.seconds_until_not_running(
            running, time.monotonic()
        )
        without_workers.stop()
        result.next_completed = start(1).completes(queued)
    result.integrity = integrity(data_dir)
    return result


def delete_while_running(data_dir: Path) -> CaseResult:
    """DELETE of a running experiment: cancelled first, no epoch lands anywhere, the queue moves on."""
    result = CaseResult("delete while running")
    with servers(data_dir) as start:
        server = start(1)
        dataset = server.dataset()
        running = server.experiment(dataset, 10_000)
        server.training(running)
        response = server.client.delete(f"/api/experiments/{running}")
        deleted_at = time.monotonic()
        result.final_status = "deleted" if response.status_code == 204 else f"HTTP {response.status_code}"
        result.seconds_running_after = time.monotonic() - deleted_at
        newer = server.experiment(dataset, 3)
        if newer <= running:
            result.notes.append(f"id {newer} reused")
        result.next_completed = server.completes(newer)
        stray = _epoch_rows(data_dir, running)
        if stray:
            result.notes.append(f"{stray} epoch rows of the deleted run")
        epochs = server.get(newer)["epochs_done"]
        if _epoch_rows(data_dir, newer) != epochs:
            result.notes.append(f"the next run has {_epoch_rows(data_dir, newer)} epoch rows for {epochs} epochs")
    result.integrity = integrity(data_dir)
    return result


@contextmanager
def _watching(server: LiveServer, experiment_id: int) -> Iterator[None]:
    """Hold the experiment's live stream open, as a browser tab on its page does."""
    opened = threading.Event()

    def watch() -> None:
        with suppress(httpx.HTTPError), server.client.stream("GET", f"/api/experiments/{experiment_id}/events") as r:
            for _ in r.iter_lines():
                opened.set()
        opened.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    opened.wait(START_SECONDS)
    yield
    watcher.join(SETTLE_SECONDS)


def group_signal(data_dir: Path, signum: int) -> CaseResult:
    """Ctrl-C or `timeout` signals the whole group: the server stops its workers itself, so the
    log holds no "stopped unexpectedly", no worker outlives it, and the run ends `interrupted`."""
    result = CaseResult(f"{signal.Signals(signum).name} to the process group")
    with servers(data_dir) as start:
        server = start(1)
        _, running, queued = _training_with_one_queued(server)
        workers = server.workers()
        with _watching(server, running):  # an open page keeps the server's shutdown waiting on it
            server.signal_group(signum)
        result.notes = [line for line in server.log().splitlines() if "unexpectedly" in line]
        result.stray_processes = _gone(workers)
        restarted = start(1)
        result.final_status, result.seconds_running_after = restarted.seconds_until_not_running(
            running, time.monotonic()
        )
        result.next_completed = restarted.completes(queued)
    result.integrity = integrity(data_dir)
    return result


CASES: dict[str, Callable[[Path], CaseResult]] = {
    "worker_kill": worker_kill,
    "server_kill_alone": server_kill_alone,
    "server_kill_group": server_kill_group,
    "restart_within_lease": restart_within_lease,
    "delete_while_running": delete_while_running,
    "group_sigint": lambda data_dir: group_signal(data_dir, signal.SIGINT),
    "group_sigterm": lambda data_dir: group_signal(data_dir, signal.SIGTERM),
}
