"""Encoders: one column of values in, a float32 block of shape (n, width) out.

This module is the registry (names, defaults per column kind, widths); the encoders
live in scaling_encoders.py and category_encoders.py, their interface in encoder_base.py.

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

from typing import Any

from app.data.category_encoders import BinarizeEncoder, OneHotEncoder, OrdinalEncoder
from app.data.encoder_base import Encoder, EncodingError
from app.data.scaling_encoders import (
    MinMaxEncoder,
    PassthroughEncoder,
    QuantileEncoder,
    RobustEncoder,
    ScalePlusMinusOneEncoder,
    StandardizeEncoder,
)

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
