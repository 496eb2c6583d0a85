"""Records a look inside the network after epochs, within a time budget.

A snapshot (app.engine.inspection) costs one inference pass over a fixed probe
sample of validation rows plus a few norms. On small data an epoch can be cheaper
than that, so a snapshot is taken only while the time spent on snapshots stays
under ``BUDGET`` of the time spent training; the first epoch is always recorded,
and the caller can force one (a pause shows the epoch it stopped at).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from app.engine import EpochReport, Network
from app.engine.inspection import inspect_network

BUDGET = 0.05  # snapshots may cost at most this share of the training time
PROBE_ROWS = 256


def probe_sample(rows: np.ndarray, seed: int, size: int = PROBE_ROWS) -> np.ndarray:
    """A fixed, seeded sample of at most ``size`` rows, in their original order."""
    if len(rows) <= size:
        return rows
    chosen = np.sort(np.random.default_rng(seed).choice(len(rows), size, replace=False))
    return rows[chosen]


class InspectionRecorder:
    def __init__(self, net: Network, probe: np.ndarray | None, input_names: list[str] | None = None,
                 budget: float = BUDGET) -> None:
        self.net, self.probe, self.budget = net, probe, budget
        self.input_names = input_names
        self.training_seconds = 0.0
        self.snapshot_seconds = 0.0
        self.last_cost = 0.0
        self.recorded = 0

    def after_epoch(self, report: EpochReport, force: bool = False) -> dict[str, Any] | None:
        """The snapshot of this epoch when the budget allows it (or ``force``), else None."""
        self.training_seconds += report.seconds
        affordable = self.snapshot_seconds + self.last_cost <= self.budget * self.training_seconds
        if not (force or self.recorded == 0 or affordable):
            return None
        return self.snapshot(report.epoch)

    def snapshot(self, epoch: int) -> dict[str, Any]:
        started = time.perf_counter()
        snapshot = inspect_network(self.net, self.probe) | {"epoch": epoch}
        if self.recorded == 0 and self.input_names is not None:  # once: the names never change
            snapshot["inputs"] = self.input_names
        self.last_cost = time.perf_counter() - started
        self.snapshot_seconds += self.last_cost
        self.recorded += 1
        return snapshot

    @property
    def overhead(self) -> float:
        """Time spent on snapshots as a share of the training time so far."""
        return self.snapshot_seconds / self.training_seconds if self.training_seconds else 0.0
