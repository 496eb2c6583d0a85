"""Encoders: one column of values in, a float32 block of shape (n, width) out.

Each is fitted on the training split and serialises to a JSON-able dict. Names
(as in an experiment spec's `encoders` map) and their scikit-learn equivalents,
which the tests compare against:

| name          | equivalent                                                  | width |
|---------------|-------------------------------------------------------------|-------|
| `standardize` | `StandardScaler()`                                          | 1     |
| `minmax`      | `MinMaxScaler()` (0:1)                                      | 1     |
| `scale_pm1`   | `MinMaxScaler(feature_range=(-1, 1))` (-1:1)                | 1     |
| `robust`      | `RobustScaler()` (median, interquartile range)              | 1     |
| `quantile`    | `QuantileTransformer(n_quantiles=100)` (ranks to 0:1)       | 1     |
| `binarize`    | `LabelBinarizer()` on a two-valued column (second value = 1)| 1     |
| `onehot`      | `OneHotEncoder(handle_unknown="ignore")`                    | k     |
| `ordinal`     | `OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)` | 1 |
| `passthrough` | the numbers as they are                                     | 1     |

`robust` and `quantile` suit heavy-tailed numbers (incomes, prices, counts): a few
huge values would squeeze every other row to about the same standardized value.
A value not seen in training encodes to all zeros (onehot), -1 (ordinal) or 0
(binarize); `unseen(values)` tells which rows those were so callers can report them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from app.data.imputation import as_series, sorted_values, to_native


class EncodingError(ValueError):
    """A column cannot be encoded the way that was asked; the message says why."""


def as_numbers(values: Any, strict: bool = False) -> np.ndarray:
    """A column as float64 numbers, shape (n,); missing values are NaN.

    Datetimes become seconds since 1970. With `strict`, text that is not a
    number raises `EncodingError` instead of becoming NaN.
    """
    column = as_series(values)
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.float64)
    if pd.api.types.is_datetime64_any_dtype(column):
        seconds = column.astype("datetime64[s]").astype("int64").to_numpy(dtype=np.float64)
        return np.where(column.isna().to_numpy(), np.nan, seconds)
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pd.to_numeric(column, errors="coerce")
    if strict:
        bad = numbers.isna() & column.notna()
        if bad.any():
            example = str(column[bad].iloc[0])[:40]
            raise EncodingError(f'it needs numbers but holds text such as "{example}"')
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def category_key(value: Any) -> str:
    """The text a category is matched by, so 1, 1.0 and "1" are the same category."""
    value = to_native(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _whole_as_int(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


class Encoder(ABC):
    """Fit on a column's training values, then transform any rows to a float32 block."""

    name: ClassVar[str]

    @abstractmethod
    def fit(self, values: Any) -> Self: ...

    @abstractmethod
    def transform(self, values: Any) -> np.ndarray:
        """The encoded block, shape (n, width), float32."""

    @abstractmethod
    def inverse_transform(self, block: np.ndarray) -> np.ndarray:
        """The original values, shape (n,), from a block of shape (n, width)."""

    @property
    def width(self) -> int:
        return 1

    def output_names(self, column: str) -> list[str]:
        return [column]

    def unseen(self, values: Any) -> np.ndarray:
        """True for rows whose non-missing value was not seen in training, shape (n,)."""
        return np.zeros(len(as_series(values)), dtype=bool)

    @abstractmethod
    def params(self) -> dict[str, Any]: ...

    @abstractmethod
    def set_params(self, params: dict[str, Any]) -> None: ...

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.params()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        encoder = cls()
        encoder.set_params({k: v for k, v in data.items() if k != "name"})
        return encoder


class _AffineEncoder(Encoder):
    """out = (x - shift) / scale, with shift and scale learned by the subclass."""

    def __init__(self) -> None:
        self.shift = 0.0
        self.scale = 1.0

    @abstractmethod
    def _shift_and_scale(self, x: np.ndarray) -> tuple[float, float]: ...

    def fit(self, values: Any) -> Self:
        x = as_numbers(values, strict=True)
        x = x[~np.isnan(x)]
        self.shift, self.scale = (0.0, 1.0) if x.size == 0 else self._shift_and_scale(x)
        return self

    def transform(self, values: Any) -> np.ndarray:
        x = as_numbers(values)
        return ((x - self.shift) / self.scale).astype(np.float32).reshape(-1, 1)

    def inverse_transform(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block, dtype=np.float64).reshape(-1)
        return x * self.scale + self.shift

    def params(self) -> dict[str, Any]:
        return {"shift": float(self.shift), "scale": float(self.scale)}

    def set_params(self, params: dict[str, Any]) -> None:
        self.shift, self.scale = float(params["shift"]), float(params["scale"])


def _nonzero_range(x: np.ndarray) -> tuple[float, float]:
    """(min, max - min), the range taken as 1 for a constant column (as scikit-learn does)."""
    low, high = float(x.min()), float(x.max())
    return low, (high - low) or 1.0


class StandardizeEncoder(_AffineEncoder):
    name = "standardize"

    def _shift_and_scale(self, x: np.ndarray) -> tuple[float, float]:
        mean, std = float(x.mean()), float(x.std())
        # A (nearly) constant column is centred but not divided by ~0.
        return mean, std if std > 10 * np.finfo(np.float64).eps * max(1.0, abs(mean)) else 1.0


class MinMaxEncoder(_AffineEncoder):
    name = "minmax"

    def _shift_and_scale(self, x: np.ndarray) -> tuple[float, float]:
        return _nonzero_range(x)


class ScalePlusMinusOneEncoder(_AffineEncoder):
    """Min-max to [-1, 1]: the training minimum becomes -1 and the maximum +1."""

    name = "scale_pm1"

    def _shift_and_scale(self, x: np.ndarray) -> tuple[float, float]:
        low, span = _nonzero_range(x)
        return low + span / 2, span / 2


class RobustEncoder(_AffineEncoder):
    """(x - median) / interquartile range: a few extreme values barely move either."""

    name = "robust"

    def _shift_and_scale(self, x: np.ndarray) -> tuple[float, float]:
        low, median, high = np.percentile(x, [25, 50, 75])
        return float(median), float(high - low) or 1.0


class QuantileEncoder(Encoder):
    """Each value as its rank among the training values, 0 to 1, interpolated between
    up to N_QUANTILES stored quantiles; values outside the training range clamp to 0 or 1."""

    name = "quantile"
    N_QUANTILES = 100

    def __init__(self) -> None:
        self.quantiles: list[float] = [0.0]
        self.references: list[float] = [0.0]

    def fit(self, values: Any) -> Self:
        x = as_numbers(values, strict=True)
        x = x[~np.isnan(x)]
        if x.size == 0:
            self.quantiles, self.references = [0.0], [0.0]
            return self
        references = np.linspace(0.0, 1.0, min(self.N_QUANTILES, x.size))
        self.quantiles = [float(v) for v in np.quantile(x, references)]
        self.references = [float(v) for v in references]
        return self

    def transform(self, values: Any) -> np.ndarray:
        return rank_by_quantiles(as_numbers(values), self.quantiles, self.references).astype(np.float32).reshape(-1, 1)

    def inverse_transform(self, block: np.ndarray) -> np.ndarray:
        ranks = np.asarray(block, dtype=np.float64).reshape(-1)
        return np.interp(ranks, self.references, self.quantiles)

    def params(self) -> dict[str, Any]:
        return {"quantiles": list(self.quantiles), "references": list(self.references)}

    def set_params(self, params: dict[str, Any]) -> None:
        self.quantiles = [float(v) for v in params["quantiles"]]
        self.references = [float(v) for v in params["references"]]


def rank_by_quantiles(x: np.ndarray, quantiles: list[float], references: list[float]) -> np.ndarray:
    """Interpolated ranks; where quantiles repeat (a common value), the middle of their
    ranks, from the mean of interpolating upwards and downwards (as scikit-learn does)."""
    q, r = np.asarray(quantiles), np.asarray(references)
    if q.size == 1:
        return np.where(np.isnan(x), np.nan, 0.5)
    return 0.5 * (np.interp(x, q, r) - np.interp(-x, -q[::-1], -r[::-1]))


class PassthroughEncoder(Encoder):
    name = "passthrough"

    def fit(self, values: Any) -> Self:
        as_numbers(values, strict=True)
        return self

    def transform(self, values: Any) -> np.ndarray:
        return as_numbers(values).astype(np.float32).reshape(-1, 1)

    def inverse_transform(self, block: np.ndarray) -> np.ndarray:
        return np.asarray(block, dtype=np.float64).reshape(-1)

    def params(self) -> dict[str, Any]:
        return {}

    def set_params(self, params: dict[str, Any]) -> None:
        pass


class _CategoryEncoder(Encoder):
    """Learns the sorted distinct values; encodes each row as its category's index."""

    def __init__(self) -> None:
        self.categories: list[Any] = []
        self._index: dict[str, int] = {}

    def fit(self, values: Any) -> Self:
        column = as_series(values).dropna()
        # 1.0 is stored as 1: a whole-number column read with missing values is float,
        # yet its categories (and decoded labels) should read as the numbers written.
        natives = sorted_values([_whole_as_int(to_native(v)) for v in pd.unique(column)])
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


ENCODERS: dict[str, type[Encoder]] = {
    cls.name: cls
    for cls in (
        StandardizeEncoder,
        MinMaxEncoder,
        ScalePlusMinusOneEncoder,
        RobustEncoder,
        QuantileEncoder,
        BinarizeEncoder,
        OneHotEncoder,
        OrdinalEncoder,
        PassthroughEncoder,
    )
}
ENCODER_NAMES: tuple[str, ...] = tuple(ENCODERS)
NUMERIC_ENCODERS = frozenset({"standardize", "minmax", "scale_pm1", "robust", "quantile", "passthrough"})

# The encoder a column gets unless the user picks another; None: not a feature by default.
DEFAULT_ENCODER_BY_KIND: dict[str, str | None] = {
    "numeric": "standardize",
    "integer": "standardize",
    "boolean": "binarize",
    "categorical": "onehot",
    "text": None,
    "datetime": None,
    "id": None,
    "constant": None,
}


def default_encoder(kind: str) -> str | None:
    """The encoder proposed for a column of this profiling kind, or None if unsuitable."""
    return DEFAULT_ENCODER_BY_KIND.get(kind)


def make_encoder(name: str) -> Encoder:
    if name not in ENCODERS:
        raise EncodingError(f"Unknown encoder {name!r}; choose from {', '.join(ENCODER_NAMES)}.")
    return ENCODERS[name]()


def encoder_from_dict(data: dict[str, Any]) -> Encoder:
    return ENCODERS[data["name"]].from_dict(data)


def encoded_width(name: str, distinct: int, missing: int = 0) -> int:
    """Columns this encoder produces for a column with `distinct` non-missing values.

    Adds the missing-value indicator when the column has missing values. For
    onehot it is an upper bound: only categories seen in training get a column.
    """
    make_encoder(name)  # raises on an unknown name
    width = max(distinct, 0) if name == "onehot" else 1
    return width + (1 if missing > 0 else 0)
