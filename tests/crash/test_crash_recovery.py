"""The crash suite: real servers killed with SIGKILL, restarted, and asked to delete a running run.

Each case asserts the interrupted experiment's final state, that the queue moves on
and that SQLite passes its integrity check. The "stops showing running within 10 s"
rule is timed by `bench recovery`, not here (no timing assertions in tests).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.db.leases import WORKER_DIED_REASON
from bench.crash_cases import CASES, CaseResult

pytestmark = [
    pytest.mark.crash,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the crash suite reads /proc and uses SIGKILL"),
]


def run(name: str, tmp_path: Path) -> CaseResult:
    result = CASES[name](tmp_path / "data")
    assert result.integrity == "ok"
    assert result.next_completed, "the next queued experiment did not complete"
    assert not result.stray_processes, f"processes outlived their server: {result.stray_processes}"
    return result


def test_a_killed_worker_is_replaced_and_its_run_interrupted(tmp_path: Path) -> None:
    result = run("worker_kill", tmp_path)
    assert result.final_status == "interrupted"
    assert result.notes == [WORKER_DIED_REASON]


def test_workers_die_with_a_killed_server_and_a_restart_ends_the_run(tmp_path: Path) -> None:
    assert run("server_kill_alone", tmp_path).final_status == "interrupted"


def test_a_killed_process_group_restarts_cleanly(tmp_path: Path) -> None:
    assert run("server_kill_group", tmp_path).final_status == "interrupted"


def test_a_restart_within_the_lease_ends_the_run_without_workers(tmp_path: Path) -> None:
    assert run("restart_within_lease", tmp_path).final_status == "interrupted"


def test_deleting_a_running_experiment_cancels_it_and_the_queue_moves_on(tmp_path: Path) -> None:
    result = run("delete_while_running", tmp_path)
    assert result.final_status == "deleted"
    assert result.notes == []


@pytest.mark.parametrize("case", ["group_sigint", "group_sigterm"])
def test_ctrl_c_or_timeout_on_the_group_stops_the_workers_without_alarm(case: str, tmp_path: Path) -> None:
    result = run(case, tmp_path)
    assert result.notes == [], "the server logged a worker death during a clean stop"
    assert result.final_status == "interrupted"
