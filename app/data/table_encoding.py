"""From a table of raw feature columns to the float32 matrix the network reads.

`ColumnEncoder` is one column's imputer, encoder and optional missing-value
indicator; `TableEncoder` lays the columns' blocks side by side and remembers
which matrix columns came from which feature (for importance and the diagram).
Imputation is chosen from the encoder: the training mean for numeric encoders,
the most frequent value for categorical ones, plus an indicator column when the
training split had missing values.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from app.data.encoder_base import Encoder, EncodingError, as_numbers
from app.data.encoders import NUMERIC_ENCODERS, encoder_from_dict, make_encoder
from app.data.imputation import Imputer, as_series


class ColumnEncoder:
    """Imputer + encoder (+ missing indicator) for one named column."""

    def __init__(self, column: str, encoder: str) -> None:
        self.column = column
        self.encoder: Encoder = make_encoder(encoder)
        strategy = "mean" if encoder in NUMERIC_ENCODERS else "most_frequent"
        self.imputer = Imputer(strategy)
        # The training split's smallest and largest value, to flag new rows outside it.
        self.train_range: tuple[float, float] | None = None

    def fit(self, values: Any) -> Self:
        values = as_series(values)
        self.imputer.add_indicator = bool(values.isna().any())
        try:
            if self.encoder.name in NUMERIC_ENCODERS:
                as_numbers(values, strict=True)  # text would otherwise be imputed away silently
            self.imputer.fit(values)
            self.encoder.fit(self.imputer.transform(values))
            if self.encoder.name in NUMERIC_ENCODERS:
                numbers = as_numbers(values)
                if np.isfinite(numbers).any():
                    self.train_range = (float(np.nanmin(numbers)), float(np.nanmax(numbers)))
        except EncodingError as exc:
            raise EncodingError(f'Column "{self.column}": {exc}.') from None
        return self

    @property
    def width(self) -> int:
        return self.encoder.width + int(self.imputer.add_indicator)

    def output_names(self) -> list[str]:
        names = self.encoder.output_names(self.column)
        return names + ([f"{self.column} is missing"] if self.imputer.add_indicator else [])

    def transform(self, values: Any) -> np.ndarray:
        """The block for this column, shape (n, width), float32."""
        values = as_series(values)
        block = self.encoder.transform(self.imputer.transform(values))
        if self.imputer.add_indicator:
            block = np.hstack([block, self.imputer.indicator(values)])
        return block

    def inverse_transform(self, block: np.ndarray) -> np.ndarray:
        """Decoded values, shape (n,); the missing indicator is not used."""
        return self.encoder.inverse_transform(np.asarray(block)[:, : self.encoder.width])

    def unseen_count(self, values: Any) -> int:
        return int(self.encoder.unseen(self.imputer.transform(as_series(values))).sum())

    def row_notes(self, values: Any) -> list[str | None]:
        """Per row, why its value deserves caution: unseen in training, or outside its range."""
        values = as_series(values)
        notes: list[str | None] = [None] * len(values)
        unseen = self.encoder.unseen(self.imputer.transform(values))
        for row in np.flatnonzero(unseen):
            notes[row] = f'"{self.column}" = "{values.iloc[row]}" was not seen in training'
        if self.train_range is not None:
            low, high = self.train_range
            numbers = as_numbers(values)
            with np.errstate(invalid="ignore"):
                outside = (numbers < low) | (numbers > high)
            for row in np.flatnonzero(outside):
                notes[row] = f'"{self.column}" = {numbers[row]:g} is outside the training range {low:g} to {high:g}'
        return notes

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "encoder": self.encoder.to_dict(),
            "imputer": self.imputer.to_dict(),
            "train_range": list(self.train_range) if self.train_range else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnEncoder:
        column = cls(data["column"], data["encoder"]["name"])
        column.encoder = encoder_from_dict(data["encoder"])
        column.imputer = Imputer.from_dict(data["imputer"])
        train_range = data.get("train_range")
        column.train_range = (float(train_range[0]), float(train_range[1])) if train_range else None
        return column


class TableEncoder:
    """Several ColumnEncoders, in feature order, producing one matrix."""

    def __init__(self, encoders: dict[str, str]) -> None:
        """`encoders` maps each feature column, in order, to its encoder name."""
        self.columns = [ColumnEncoder(column, name) for column, name in encoders.items()]

    def fit(self, frame: pd.DataFrame) -> Self:
        for column in self.columns:
            column.fit(frame[column.column])
        return self

    @property
    def features(self) -> list[str]:
        return [column.column for column in self.columns]

    @property
    def width(self) -> int:
        return sum(column.width for column in self.columns)

    def output_names(self) -> list[str]:
        return [name for column in self.columns for name in column.output_names()]

    def blocks(self) -> dict[str, slice]:
        """Each feature's columns in the matrix."""
        spans, start = {}, 0
        for column in self.columns:
            spans[column.column] = slice(start, start + column.width)
            start += column.width
        return spans

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The matrix, shape (n_rows, width), float32. Every feature column must be present."""
        absent = [c for c in self.features if c not in frame.columns]
        if absent:
            raise EncodingError(f"The rows have no column {', '.join(repr(c) for c in absent)}.")
        if not self.columns:
            return np.zeros((len(frame), 0), dtype=np.float32)
        return np.hstack([column.transform(frame[column.column]) for column in self.columns])

    def unseen_counts(self, frame: pd.DataFrame) -> dict[str, int]:
        """Per feature, how many rows hold a category not seen in training (0s left out)."""
        counts = {c.column: c.unseen_count(frame[c.column]) for c in self.columns}
        return {column: count for column, count in counts.items() if count}

    def row_notes(self, frame: pd.DataFrame) -> list[str]:
        """Per row, every caution about its feature values joined in one sentence ("" if none)."""
        per_column = [column.row_notes(frame[column.column]) for column in self.columns]
        return (
            ["; ".join(note for note in notes if note) for notes in zip(*per_column, strict=True)]
            if per_column
            else [""] * len(frame)
        )

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [column.to_dict() for column in self.columns]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableEncoder:
        table = cls({})
        table.columns = [ColumnEncoder.from_dict(column) for column in data["columns"]]
        return table
