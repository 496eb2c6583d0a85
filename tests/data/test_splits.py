"""Splits: seeded, stratified, every row exactly once, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.data.splits import ClassTooSmallError, SplitError, quantile_bins, split_rows


def _labels() -> pd.Series:
    return pd.Series(["a"] * 100 + ["b"] * 50 + ["c"] * 25)


def test_every_row_exactly_once_with_default_shares() -> None:
    splits = split_rows(_labels(), seed=3)
    together = np.concatenate([splits.train, splits.validation, splits.test])
    assert sorted(together.tolist()) == list(range(175))
    assert splits.sizes() == {"train": 117, "validation": 37, "test": 21}


def test_class_proportions_are_kept() -> None:
    labels = _labels()
    splits = split_rows(labels, seed=1)
    for _, rows in splits.items():
        shares = labels.iloc[rows].value_counts(normalize=True)
        np.testing.assert_allclose(shares[["a", "b", "c"]], [4 / 7, 2 / 7, 1 / 7], atol=0.04)


def test_seeded() -> None:
    first, again, other = (split_rows(_labels(), seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(first.test, again.test)
    assert not np.array_equal(first.test, other.test)


def test_too_small_class_names_it() -> None:
    labels = pd.Series(["setosa"] * 30 + ["virginica"] * 2)
    with pytest.raises(ClassTooSmallError, match='The class "virginica" has only 2 rows; stratifying'):
        split_rows(labels)
    assert isinstance(ClassTooSmallError("x"), ValueError)
    unstratified = split_rows(labels, stratify=False)
    assert sum(unstratified.sizes().values()) == 32


def test_too_few_rows() -> None:
    with pytest.raises(SplitError, match="too few"):
        split_rows(pd.Series([1, 2, 3, 4]), stratify=False)


def test_regression_bins_are_balanced_and_split_names() -> None:
    y = pd.Series(np.random.default_rng(0).exponential(size=300))
    bins = quantile_bins(y)
    assert np.bincount(bins).tolist() == [30] * 10
    splits = split_rows(bins, seed=0)
    names = splits.split_names(300)
    assert set(names) == {"train", "validation", "test"}
    assert (names == "test").sum() == splits.test.size
    # each split covers the whole range of the target
    for _, rows in splits.items():
        assert y.iloc[rows].max() > y.quantile(0.9) and y.iloc[rows].min() < y.quantile(0.1)


def test_quantile_bins_on_tiny_targets() -> None:
    assert quantile_bins(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])).tolist() == [0] * 5
