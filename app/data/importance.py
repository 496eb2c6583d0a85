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


def permutation_importance(
    X: np.ndarray,
    blocks: Mapping[str, slice],
    score: Callable[[np.ndarray], float | None],
    n_repeats: int = 5,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Per feature, the mean and standard deviation of the drop in `score`, largest first.

    X: the encoded validation rows, shape (n, width); blocks: feature -> its columns;
    score(X) -> a score where higher is better (accuracy, R²) of the model on X.
    """
    baseline = score(X)
    if baseline is None or X.shape[0] < 2:
        return [{"feature": feature, "importance": None, "std": None} for feature in blocks]
    rng = np.random.default_rng(seed)
    shuffled = X.copy()
    rows = []
    for feature, columns in blocks.items():
        drops = []
        for _ in range(n_repeats):
            shuffled[:, columns] = X[rng.permutation(X.shape[0])][:, columns]
            value = score(shuffled)
            drops.append(np.nan if value is None else baseline - value)
        shuffled[:, columns] = X[:, columns]
        rows.append({"feature": feature, "importance": np.mean(drops), "std": np.std(drops)})
    rows.sort(key=lambda row: -row["importance"] if np.isfinite(row["importance"]) else np.inf)
    return json_safe(rows)
