"""The tests' PostgreSQL server: missing binaries fail with what to run, and no server outlives its tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import postgres_server
from tests.postgres_server import SKIP_POSTGRES_ENV, server_for_tests

PROJECT = Path(__file__).resolve().parents[1]
DEADLINE_SECONDS = 120.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def wait_until_gone(pid: int) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while alive(pid):
        assert time.monotonic() < deadline, f"PostgreSQL (pid {pid}) still runs"
        time.sleep(0.05)


def test_missing_binaries_fail_and_say_to_run_make_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SKIP_POSTGRES_ENV, raising=False)
    monkeypatch.setattr(postgres_server.glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(postgres_server.shutil, "which", lambda *_args, **_kwargs: None)
    with pytest.raises(pytest.fail.Exception, match=r"run `make postgres`"):
        server_for_tests()


def test_leaving_postgres_out_is_a_skip_that_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SKIP_POSTGRES_ENV, "1")
    with pytest.raises(pytest.skip.Exception, match=SKIP_POSTGRES_ENV):
        server_for_tests()


INNER_TEST = """
from pathlib import Path

def test_fails(postgres_server):
    Path({record!r}).write_text(f"{{postgres_server.process.pid}} {{postgres_server.directory}}")
    assert False, "this test fails on purpose"
"""


@pytest.fixture
def binaries() -> None:
    """The tests below start servers in other processes: without binaries, fail here saying why."""
    server_for_tests().stop()


@pytest.mark.usefixtures("binaries")
def test_a_failing_run_still_stops_its_server_and_removes_its_directory(tmp_path: Path) -> None:
    record = tmp_path / "server.txt"
    inner = tmp_path / "test_inner.py"
    inner.write_text(INNER_TEST.format(record=str(record)))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
         "-c", os.devnull, "--rootdir", str(tmp_path), str(inner)],
        cwd=PROJECT, capture_output=True, text=True, timeout=DEADLINE_SECONDS, env={**os.environ, "PYTHONPATH": "."},
        check=False,
    )
    assert "1 failed" in run.stdout, run.stdout + run.stderr
    pid, directory = record.read_text().split(" ", 1)
    assert not alive(int(pid))
    assert not Path(directory).exists()


STARTER = """
import sys, time
from tests.postgres_server import PostgresServer
server = PostgresServer()
server.start()
print(server.process.pid, server.directory, flush=True)
time.sleep(600)
"""


@pytest.mark.usefixtures("binaries")
def test_a_killed_test_process_takes_its_server_with_it_and_the_next_run_its_directory() -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER], cwd=PROJECT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": "."},
    )
    assert starter.stdout is not None
    pid, directory = starter.stdout.readline().split(" ", 1)
    try:
        assert alive(int(pid))
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        wait_until_gone(int(pid))
        assert Path(directory.strip()).exists()  # nobody was left to remove it
        server_for_tests().stop()
        assert not Path(directory.strip()).exists()
    finally:
        starter.kill()
        starter.wait()
        subprocess.run(["rm", "-rf", directory.strip()], check=False)
