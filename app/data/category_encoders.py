"""Encoders of categories: onehot, ordinal, binarize (matched by category_key)."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from app.data.encoder_base import Encoder, EncodingError, category_key, whole_as_int
from app.data.imputation import as_series, sorted_values, to_native


class _CategoryEncoder(Encoder):
    """Learns the sorted distinct values; encodes each row as its category's index."""

    def __init__(self) -> None:
        self.categories: list[Any] = []
        self._index: dict[str, int] = {}

    def fit(self, values: Any) -> Self:
        column = as_series(values).dropna()
        # 1.0 is stored as 1: a whole-number column read with missing values is float,
        # yet its categories (and decoded labels) should read as the numbers written.
        natives = sorted_values([whole_as_int(to_native(v)) for v in pd.unique(column)])
        by_key: dict[str, Any] = {}
        for value in natives:
            by_key.setdefault(category_key(value), value)
        self.set_params({"categories": list(by_key.values())})
        return self

    def codes(self, values: Any) -> np.ndarray:
        """Each row's category index, shape (n,); -1 for missing or unseen values."""
        column = as_series(values)
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        lookup = np.array([self._index.get(category_key(v), -1) for v in uniques] + [-1])
        return lookup[codes].astype(np.int64)  # code -1 (missing) picks the trailing -1

    def unseen(self, values: Any) -> np.ndarray:
        column = as_series(values)
        return (self.codes(column) < 0) & column.notna().to_numpy()

    def _category_of(self, index: np.ndarray) -> np.ndarray:
        labels = np.array(self.categories + [None], dtype=object)
        return labels[np.where((index >= 0) & (index < len(self.categories)), index, -1)]

    def params(self) -> dict[str, Any]:
        return {"categories": [to_native(c) for c in self.categories]}

    def set_params(self, params: dict[str, Any]) -> None:
        self.categories = list(params["categories"])
        self._index = {category_key(c): i for i, c in enumerate(self.categories)}


class OneHotEncoder(_CategoryEncoder):
    name = "onehot"

    @property
    def width(self) -> int:
        return len(self.categories)

    def output_names(self, column: str) -> list[str]:
        return [f"{column}={category}" for category in self.categories]

    def transform(self, values: Any) -> np.ndarray:
        codes = self.codes(values)
        block = np.zeros((codes.size, self.width), dtype=np.float32)
        rows = np.flatnonzero(codes >= 0)
        block[rows, codes[rows]] = 1.0
        return block

    def inverse_transform(self, block: np.ndarray) -> np.ndarray:
        block = np.asarray(block).reshape(-1, self.width)
        index = np.argmax(block, axis=1) if self.width else np.zeros(len(block), dtype=int)
        # A row of zeros was an unseen value; scikit-learn decodes it as None too.
        index = np.where(block.max(axis=1, initial=0) > 0, index, -1)
        return self._category_of(index)


class OrdinalEncoder(_CategoryEncoder):
    name = "ordinal"

    def transform(self, values: Any) -> np.ndarray:
        return self.codes(values).astype(np.float32).reshape(-1, 1)

    def inverse_transform(self, block: np.ndarray) -> np.ndarray:
        index = np.rint(np.asarray(block, dtype=np.float64).reshape(-1)).astype(np.int64)
        return self._category_of(index)


class BinarizeEncoder(_CategoryEncoder):
    """A two-valued column as one 0/1 column: the second value in sorted order is 1."""

    name = "binarize"

    def fit(self, values: Any) -> Self:
        super().fit(values)
        if len(self.categories) > 2:
            shown = ", ".join(f'"{c}"' for c in self.categories[:3])
            raise EncodingError(
                f"binarize needs at most two values but it has {len(self.categories)} "
                f"({shown}, ...); choose onehot or ordinal"
            )
        return self

    def transform(self, values: Any) -> np.ndarray:
        return (self.codes(values) == 1).astype(np.float32).reshape(-1, 1)

    def inverse_transform(self, block: np.ndarray) -> np.ndarray:
        index = (np.asarray(block, dtype=np.float64).reshape(-1) >= 0.5).astype(np.int64)
        return self._category_of(index)
