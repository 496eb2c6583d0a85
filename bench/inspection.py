"""Looking inside the network: what a snapshot costs against the epoch it describes.

For three sizes of data, trains the same network with and without a snapshot after
every epoch (app.engine.inspection), and with the worker's budgeted recorder, and
prints each cost as a share of the plain epoch time (best of three, one thread).
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from app.engine import EpochReport, TrainingConfig, build_mlp, fit
from app.jobs.inspection_recorder import InspectionRecorder, probe_sample

WORKLOADS = [  # rows, inputs, hidden units, classes, epochs
    ("small (800 × 8 → 32 → 3)", 800, 8, [32], 3, 30),
    ("medium (10,000 × 20 → 64 → 64 → 2)", 10_000, 20, [64, 64], 2, 8),
    ("reference (67,000 × 50 → 256 → 256 → 10)", 67_000, 50, [256, 256], 10, 3),
]


def _train(rows: int, inputs: int, hidden: list[int], classes: int, epochs: int, mode: str) -> float:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, inputs)).astype(np.float32)
    y = rng.integers(0, classes, rows)
    X_val, y_val = X[: rows // 5], y[: rows // 5]
    net = build_mlp(inputs, [{"units": u} for u in hidden], classes if classes > 2 else 1,
                    "softmax" if classes > 2 else "sigmoid")
    loss = "categorical_crossentropy" if classes > 2 else "binary_crossentropy"
    targets = y if classes > 2 else y.reshape(-1, 1).astype(np.float32)
    val_targets = y_val if classes > 2 else y_val.reshape(-1, 1).astype(np.float32)
    recorder = InspectionRecorder(net, probe_sample(X_val, seed=0), [f"x{i}" for i in range(inputs)])

    def on_epoch(report: EpochReport) -> None:
        if mode == "every":
            recorder.snapshot(report.epoch)
        elif mode == "budget":
            recorder.after_epoch(report)

    started = time.perf_counter()
    fit(net, X, targets, X_val, val_targets, loss=loss, on_epoch=on_epoch,
        config=TrainingConfig(epochs=epochs, batch_size=256, early_stopping_patience=None))
    return time.perf_counter() - started


def main() -> None:
    print(f"{'workload':44} {'plain epoch':>12} {'snapshot every epoch':>22} {'budgeted recorder':>18}")
    with threadpool_limits(1):
        for name, rows, inputs, hidden, classes, epochs in WORKLOADS:
            plain = min(_train(rows, inputs, hidden, classes, epochs, "plain") for _ in range(3))
            every = min(_train(rows, inputs, hidden, classes, epochs, "every") for _ in range(3))
            budget = min(_train(rows, inputs, hidden, classes, epochs, "budget") for _ in range(3))
            epoch_ms = plain / epochs * 1000
            print(f"{name:44} {epoch_ms:>10.1f} ms {every / plain - 1:>+21.1%} {budget / plain - 1:>+17.1%}")
    print("The worker records a snapshot only while snapshots stay under 5 % of the training time "
          "(the first epoch always), so the budgeted column is what training pays.")


if __name__ == "__main__":
    main()
