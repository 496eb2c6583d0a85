"""Train / validation / test splits: seeded, stratified, never losing or repeating a row.

Two calls of scikit-learn's `train_test_split`: the test rows first, then the
validation rows from the rest. Classification stratifies on the class; regression
on quantile bins of the target (as many as keep at least 3 rows per bin, at most 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from app.data.imputation import as_series

SPLITS: tuple[str, ...] = ("train", "validation", "test")
MIN_ROWS_PER_CLASS = 3  # one for each split
MAX_REGRESSION_BINS = 10


class SplitError(ValueError):
    """The rows cannot be split as asked; the message names the reason."""


class ClassTooSmallError(SplitError):
    pass


@dataclass(frozen=True)
class SplitIndices:
    """Row positions (0-based, sorted, int64) of each split; together they are every row once."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    def items(self) -> list[tuple[str, np.ndarray]]:
        return [("train", self.train), ("validation", self.validation), ("test", self.test)]

    def sizes(self) -> dict[str, int]:
        return {name: int(rows.size) for name, rows in self.items()}

    def split_names(self, n_rows: int) -> np.ndarray:
        """Each row's split name, shape (n_rows,)."""
        names = np.empty(n_rows, dtype=object)
        for name, rows in self.items():
            names[rows] = name
        return names


def quantile_bins(y: Any, max_bins: int = MAX_REGRESSION_BINS) -> np.ndarray:
    """Bin number per row, shape (n,): equal-count bins of a numeric target, >= 3 rows each."""
    values = pd.to_numeric(as_series(y), errors="coerce")
    for bins in range(min(max_bins, len(values) // MIN_ROWS_PER_CLASS), 1, -1):
        codes = pd.qcut(values.rank(method="first"), bins, labels=False)
        if codes.value_counts().min() >= MIN_ROWS_PER_CLASS:
            return codes.to_numpy(dtype=np.int64)
    return np.zeros(len(values), dtype=np.int64)


def _stratum_codes(strata: pd.Series) -> np.ndarray:
    """Each row's stratum as an int64 code, shape (n,), after checking every stratum's size.

    Codes rather than labels, because scikit-learn sorts the strata and sorting
    300,000 strings takes seconds.
    """
    codes, names = pd.factorize(strata, use_na_sentinel=False)
    counts = np.bincount(codes, minlength=len(names))
    small = np.flatnonzero(counts < MIN_ROWS_PER_CLASS)
    if small.size:
        label, count = names[small[0]], int(counts[small[0]])
        raise ClassTooSmallError(
            f'The class "{label}" has only {count} row{"s" if count != 1 else ""}; '
            f"stratifying needs at least {MIN_ROWS_PER_CLASS} (one per split)."
        )
    return codes.astype(np.int64)


def split_rows(
    strata: Any,
    train: float = 0.67,
    validation: float = 0.21,
    test: float = 0.12,
    stratify: bool = True,
    seed: int = 0,
) -> SplitIndices:
    """Split n rows into three sets, stratified on `strata` (shape (n,)) when asked.

    `strata` is the class per row for classification, or `quantile_bins(y)` for
    regression. The fractions are normalised to sum to 1.
    """
    labels = as_series(strata)
    n = len(labels)
    total = train + validation + test
    if min(train, validation, test) <= 0 or total <= 0:
        raise SplitError("Each of train, validation and test needs a share above 0.")
    n_test = round(n * test / total)
    n_validation = round(n * validation / total)
    if min(n_test, n_validation, n - n_test - n_validation) < 1:
        raise SplitError(
            f"{n} rows are too few to give train, validation and test at least one row each."
        )
    codes = _stratum_codes(labels) if stratify else None
    rows = np.arange(n)
    try:
        rest, test_rows = train_test_split(
            rows, test_size=n_test, random_state=seed, stratify=codes
        )
        train_rows, validation_rows = train_test_split(
            rest,
            test_size=n_validation,
            random_state=seed,
            stratify=None if codes is None else codes[rest],
        )
    except ValueError as exc:
        # e.g. fewer test rows than classes; say so in words instead of sklearn's terms.
        raise SplitError(
            f"These rows cannot be split with stratification ({exc}). "
            "Use larger validation and test shares, or turn stratification off."
        ) from None
    return SplitIndices(
        np.sort(train_rows).astype(np.int64),
        np.sort(validation_rows).astype(np.int64),
        np.sort(test_rows).astype(np.int64),
    )
