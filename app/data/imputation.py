"""Filling missing values in one column, fitted on the training split.

`Imputer` matches scikit-learn's `SimpleImputer` for one column (ties in
"most_frequent" go to the smallest value, as there) and, with `add_indicator`,
its `MissingIndicator` column. Its parameters are JSON-able, never pickled.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

ImputeStrategy = Literal["mean", "median", "most_frequent", "constant"]
IMPUTE_STRATEGIES: tuple[str, ...] = ("mean", "median", "most_frequent", "constant")


def as_series(values: Any) -> pd.Series:
    """A column as a pandas Series with a fresh 0..n-1 index."""
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(np.asarray(values) if not isinstance(values, list) else values)


def to_native(value: Any) -> Any:
    """A NumPy / pandas scalar as the plain Python value JSON can hold."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def sorted_values(values: list[Any]) -> list[Any]:
    """Sorted naturally (numbers by value, text alphabetically), by text when types mix."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def most_frequent(values: pd.Series) -> Any:
    """The most frequent non-missing value; the smallest among ties (as SimpleImputer)."""
    counts = values.dropna().value_counts(sort=False)
    if counts.empty:
        return None
    top = counts[counts == counts.max()].index.tolist()
    return to_native(sorted_values([to_native(v) for v in top])[0])


class Imputer:
    """Fills the missing values of one column with a statistic of its training values."""

    def __init__(
        self,
        strategy: ImputeStrategy = "mean",
        fill_value: Any = None,
        add_indicator: bool = False,
    ) -> None:
        if strategy not in IMPUTE_STRATEGIES:
            raise ValueError(
                f"Unknown imputation {strategy!r}; choose from {', '.join(IMPUTE_STRATEGIES)}."
            )
        self.strategy: str = strategy
        self.fill_value = fill_value
        self.add_indicator = add_indicator
        self.statistic: Any = None

    @property
    def numeric(self) -> bool:
        return self.strategy in ("mean", "median")

    def fit(self, values: Any) -> Self:
        column = as_series(values)
        if self.numeric:
            numbers = pd.to_numeric(column, errors="coerce").astype("float64")
            stat = numbers.mean() if self.strategy == "mean" else numbers.median()
            # An all-missing training column has no mean; zero keeps the output finite.
            self.statistic = 0.0 if stat is None or math.isnan(stat) else float(stat)
        elif self.strategy == "most_frequent":
            self.statistic = most_frequent(column)
        else:
            self.statistic = self.fill_value
        if self.statistic is None:
            # SimpleImputer's constant default: 0 for numbers, "missing" for text.
            self.statistic = 0 if pd.api.types.is_numeric_dtype(column) else "missing"
        return self

    def transform(self, values: Any) -> pd.Series:
        """The column, shape (n,), with its missing values replaced by the statistic."""
        column = as_series(values)
        if self.numeric:
            column = pd.to_numeric(column, errors="coerce").astype("float64")
        missing = column.isna()
        if not missing.any():
            return column
        if pd.api.types.is_numeric_dtype(column) and isinstance(self.statistic, (int, float)):
            return column.fillna(self.statistic)
        filled = column.astype(object)
        filled[missing] = self.statistic
        return filled

    def indicator(self, values: Any) -> np.ndarray:
        """1.0 where the value was missing, shape (n, 1), float32."""
        return as_series(values).isna().to_numpy(dtype=np.float32).reshape(-1, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "fill_value": to_native(self.fill_value),
            "add_indicator": self.add_indicator,
            "statistic": to_native(self.statistic),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Imputer:
        imputer = cls(data["strategy"], data.get("fill_value"), bool(data["add_indicator"]))
        imputer.statistic = data["statistic"]
        return imputer
