"""Which metric a run is judged on, so that the verdict and the warnings agree.

Classes are imbalanced when the smallest holds under IMBALANCED_SHARE of the training
rows: accuracy then rewards ignoring the rare class, so balanced accuracy judges.
Otherwise the metric the person chose (`training.early_stopping_metric`, when it names
a metric of the task) judges, else the task's headline: accuracy, or R².
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

IMBALANCED_SHARE = 0.15
HEADLINE = {"binary": "accuracy", "multiclass": "accuracy", "regression": "r2"}
TASK_METRICS = {
    "classification": ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss"),
    "regression": ("r2", "mae", "rmse"),
}
TITLES = {
    "accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "f1_macro": "F1 (macro)",
    "roc_auc": "ROC AUC", "log_loss": "log loss", "r2": "R²", "mae": "mean absolute error", "rmse": "RMSE",
}
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse"})
# Metrics between 0 and 1 whose differences read as points (0.03 = 3 points).
IN_POINTS = frozenset({"accuracy", "balanced_accuracy", "f1_macro", "roc_auc"})


def class_shares(y: np.ndarray, n_classes: int) -> list[float]:
    """Share of each class among these rows (class indices (n,))."""
    counts = np.bincount(np.asarray(y, dtype=np.int64).reshape(-1), minlength=n_classes)
    return (counts / max(int(counts.sum()), 1)).round(4).tolist()


def is_imbalanced(shares: Sequence[float]) -> bool:
    return len(shares) >= 2 and min(shares) < IMBALANCED_SHARE


def judging_metric(task: str, shares: Sequence[float], chosen: str | None = None) -> str:
    if task != "regression" and is_imbalanced(shares):
        return "balanced_accuracy"
    family = "regression" if task == "regression" else "classification"
    return chosen if chosen in TASK_METRICS[family] else HEADLINE[task]


def better(metric: str, ours: float, theirs: float) -> float:
    """How much better `ours` is than `theirs` (negative: worse), whatever the direction."""
    return theirs - ours if metric in LOWER_IS_BETTER else ours - theirs


def shares_phrase(shares: Sequence[float]) -> str:
    """"the classes are 5 % / 95 %", or the smallest class's share when there are many."""
    ordered = sorted(shares)
    if len(ordered) <= 4:
        return "the classes are " + " / ".join(f"{100 * share:.0f} %" for share in ordered)
    return f"the smallest class is {100 * ordered[0]:.0f} % of the rows"
