"""Cross-validation folds: k seeded, stratified parts of a set of rows, each held out once."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

from app.data.imputation import as_series
from app.data.splits import SplitError


def stratified_folds(strata: Any, k: int, seed: int = 0, stratify: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training positions, held-out positions) for each of k folds over n rows.

    `strata` (shape (n,)) is the class per row, or quantile bins for regression.
    Every row is held out exactly once; the positions are sorted int64.
    """
    labels = as_series(strata).astype(str).to_numpy()
    n = len(labels)
    if n < 2 * k:
        raise SplitError(f"{n} rows are too few for {k} folds; use fewer folds.")
    rows = np.arange(n)
    if stratify:
        values, counts = np.unique(labels, return_counts=True)
        if counts.min() < k:
            raise SplitError(
                f"The value “{values[counts.argmin()]}” has only {counts.min()} training and validation "
                f"row(s), fewer than the {k} folds; use fewer folds or turn stratification off."
            )
        splitter: StratifiedKFold | KFold = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        parts = splitter.split(rows, labels)
    else:
        parts = KFold(n_splits=k, shuffle=True, random_state=seed).split(rows)
    return [(np.sort(train).astype(np.int64), np.sort(held).astype(np.int64)) for train, held in parts]
