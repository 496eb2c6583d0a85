"""Encoders of numbers: standardize, minmax, scale_pm1, robust, quantile, passthrough."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Self

import numpy as np

from app.data.encoder_base import Encoder, as_numbers


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
