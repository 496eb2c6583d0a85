"""Permutation feature importance, per original feature column.

A feature's importance is how much the score drops when its values are shuffled
across rows. We shuffle the feature's whole encoded block (all its one-hot
columns and its missing indicator together, with one permutation). Every encoder
works row by row, so this is exactly the same as shuffling the raw column and
encoding it again, without re-encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from app.data.metrics import json_safe

MAX_ROWS = 5_000  # validation rows scored per shuffle


def permutation_importance(
    X: np.ndarray,
    blocks: Mapping[str, slice],
    score: Callable[[np.ndarray, np.ndarray], float | None],
    n_repeats: int = 5,
    seed: int = 0,
    max_rows: int = MAX_ROWS,
) -> list[dict[str, Any]]:
    """Per feature, the mean and standard deviation of the drop in `score`, largest first.

    X: the encoded validation rows, shape (n, width); blocks: feature -> its columns;
    score(X, rows) -> a score where higher is better (accuracy, R²) of the model on
    X, which holds the rows `rows` (positions into the X given here) in that order.
    Large X is subsampled to `max_rows` rows, so the cost stays bounded.
    """
    rng = np.random.default_rng(seed)
    rows = np.arange(X.shape[0])
    if X.shape[0] > max_rows:
        rows = np.sort(rng.choice(X.shape[0], max_rows, replace=False))
        X = X[rows]
    baseline = score(X, rows)
    if baseline is None or X.shape[0] < 2:
        return [{"feature": feature, "importance": None, "std": None} for feature in blocks]
    shuffled = X.copy()
    found = []
    for feature, columns in blocks.items():
        drops = []
        for _ in range(n_repeats):
            shuffled[:, columns] = X[rng.permutation(X.shape[0])][:, columns]
            value = score(shuffled, rows)
            # Scores equal but for float rounding give a drop of ~1e-17, printed as noise.
            drops.append(np.nan if value is None else round(baseline - value, 12))
        shuffled[:, columns] = X[:, columns]
        found.append({"feature": feature, "importance": np.mean(drops), "std": np.std(drops)})
    found.sort(key=lambda row: -row["importance"] if np.isfinite(row["importance"]) else np.inf)
    return json_safe(found)
