"""Recovery after kills: each kill case of the crash suite, looped, with its outcome counted.

For every round, each case runs against real `layerlab serve` processes (see
`bench/crash_cases.py`). Counted: stuck (the killed experiment still `running` when
the case gave up), lost (the next queued experiment did not complete), corrupted
(`PRAGMA integrity_check` not ok); goal 0 / 0 / 0. Timed: seconds from the kill (or,
when the server itself was killed, from the restarted server's first answer) until the
killed experiment stopped showing `running`; the goal is at most 10 s.
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.crash_cases import CASES, CaseResult

ROUNDS = int(os.environ.get("LAYERLAB_BENCH_RECOVERY_ROUNDS", "10"))
KILL_CASES = ["worker_kill", "server_kill_alone", "server_kill_group", "restart_within_lease"]
GOAL_SECONDS = 10.0


def _one(name: str) -> CaseResult:
    with tempfile.TemporaryDirectory() as temp:
        try:
            return CASES[name](Path(temp) / "data")
        except TimeoutError as exc:  # a case that never settled counts as stuck and lost
            return CaseResult(name, notes=[str(exc)])


def _report(results: dict[str, list[CaseResult]]) -> None:
    print(f"{'case':<40} {'runs':>4} {'stuck':>5} {'lost':>5} {'corrupt':>7} {'stray':>5}   running after kill (s)")
    everything: list[float] = []
    totals = [0, 0, 0]
    for rounds in results.values():
        stuck = sum(r.stuck for r in rounds)
        lost = sum(not r.next_completed for r in rounds)
        corrupted = sum(r.corrupted for r in rounds)
        stray = sum(bool(r.stray_processes) for r in rounds)
        totals = [totals[0] + stuck, totals[1] + lost, totals[2] + corrupted]
        seconds = [r.seconds_running_after for r in rounds if r.seconds_running_after is not None]
        everything += seconds
        timing = f"median {statistics.median(seconds):5.1f}  max {max(seconds):5.1f}" if seconds else "none"
        print(f"{rounds[0].name:<40} {len(rounds):>4} {stuck:>5} {lost:>5} {corrupted:>7} {stray:>5}   {timing}")
    if everything:
        worst = max(everything)
        print(
            f"stuck / lost / corrupted: {totals[0]} / {totals[1]} / {totals[2]} (goal 0 / 0 / 0); "
            f"running after a kill: median {statistics.median(everything):.1f} s, max {worst:.1f} s "
            f"(goal at most {GOAL_SECONDS:.0f} s: {'met' if worst <= GOAL_SECONDS else 'MISSED'})",
            flush=True,
        )


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopping the bench still kills its servers
    print(f"{ROUNDS} round(s) of {', '.join(KILL_CASES)} (LAYERLAB_BENCH_RECOVERY_ROUNDS changes it)")
    results: dict[str, list[CaseResult]] = {name: [] for name in KILL_CASES}
    for round_number in range(1, ROUNDS + 1):
        started = time.perf_counter()
        for name in KILL_CASES:
            result = _one(name)
            results[name].append(result)
            if result.stuck or not result.next_completed or result.corrupted or result.stray_processes:
                print(f"  round {round_number} {name}: {result}")
        print(f"\nafter round {round_number} ({time.perf_counter() - started:.0f} s):", flush=True)
        _report(results)
