"""What every encoder shares: the Encoder interface, the error it raises, and how a
column's values are read as numbers or as category keys (encoders.py lists them all)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from app.data.imputation import as_series, to_native


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


def whole_as_int(value: Any) -> Any:
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
