"""The recorder's time budget and the hints read from snapshots."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine import EpochReport, build_mlp
from app.jobs.inspection_hints import hints
from app.jobs.inspection_recorder import InspectionRecorder, probe_sample


def _report(epoch: int, seconds: float) -> EpochReport:
    return EpochReport(epoch, 1.0, 1.0, 0.5, 0.5, seconds)


def test_the_first_epoch_is_recorded_then_only_within_the_budget() -> None:
    net = build_mlp(3, [{"units": 4}], 1)
    recorder = InspectionRecorder(net, np.ones((5, 3), np.float32), ["a", "b", "c"], budget=0.05)
    first = recorder.after_epoch(_report(1, 1e-6))
    assert first is not None and first["epoch"] == 1 and first["inputs"] == ["a", "b", "c"]
    recorder.last_cost = 1.0  # pretend a snapshot takes a second
    assert recorder.after_epoch(_report(2, 1.0)) is None  # 1 s of training buys 0.05 s
    assert recorder.after_epoch(_report(3, 1.0), force=True)["epoch"] == 3  # a pause shows its epoch
    recorder.snapshot_seconds, recorder.last_cost = 0.0, 0.01
    second = recorder.after_epoch(_report(4, 1.0))
    assert second is not None and "inputs" not in second  # names only once


def test_the_probe_is_a_fixed_sample() -> None:
    rows = np.arange(1000).reshape(-1, 1)
    assert np.array_equal(probe_sample(rows, seed=3), probe_sample(rows, seed=3))
    assert len(probe_sample(rows, seed=3)) == 256 and np.all(np.diff(probe_sample(rows, seed=3)[:, 0]) > 0)
    assert len(probe_sample(rows[:10], seed=3)) == 10


def _snapshot(epoch: int, dead: float = 0.0, grads: tuple[float, float] = (1.0, 1.0),
              weights: tuple[float, float] = (1.0, 1.0)) -> dict[str, Any]:
    return {"epoch": epoch, "layers": [
        {"name": "layer 1", "activation": "relu", "dead_share": dead, "grad_norm": grads[0], "weight_norm": weights[0]},
        {"name": "output", "activation": "sigmoid", "grad_norm": grads[1], "weight_norm": weights[1]},
    ]}


def test_hints_name_dead_units_vanishing_gradients_and_growing_weights() -> None:
    assert hints([]) == []
    assert hints([_snapshot(1)]) == []
    dead = hints([_snapshot(1, dead=0.42)])
    assert dead == ["42 % of layer 1's relu units never fire on the validation rows: "
                    "try a lower learning rate or leaky ReLU."]
    vanishing = hints([_snapshot(1, grads=(1e-4, 0.1))])
    assert vanishing and vanishing[0].startswith("Gradients in layer 1 are 1,000× smaller than in output")
    growing = [_snapshot(epoch, weights=(1.1**epoch, 1.0)) for epoch in range(1, 8)]
    assert any("still growing at epoch 7" in sentence for sentence in hints(growing))
    steady = [_snapshot(epoch, weights=(2.0, 1.0)) for epoch in range(1, 8)]
    assert hints(steady) == []
