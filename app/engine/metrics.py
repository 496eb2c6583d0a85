"""Training metrics in NumPy: accuracy for classification, R² for regression.

A ``RunningMetric`` accumulates over minibatches, so the training metric costs
a couple of calls per batch and no extra pass over the data. Classification
metrics read logits: a positive logit means class 1, the largest logit the class.
"""

from __future__ import annotations

import numpy as np

METRICS = ("accuracy", "r2")


class RunningMetric:
    """Accuracy or R² over the batches added since ``reset``.

    y_all: every target of the set being measured (R² needs their variance,
    per output, which a batch alone cannot give). R² is averaged over outputs
    (as scikit-learn's default); an output with constant targets scores 1.0
    when predicted exactly and 0.0 otherwise (as scikit-learn does).
    """

    def __init__(self, name: str, y_all: np.ndarray) -> None:
        if name not in METRICS:
            raise ValueError(f"Unknown metric {name!r}; choose from {', '.join(METRICS)}.")
        self.name = name
        if name == "r2":
            centered = y_all.astype(np.float64)  # once per fit: worth the precision
            centered -= centered.mean(axis=0)
            self._total = np.einsum("ij,ij->j", centered, centered).astype(np.float64)
        self.reset()

    def reset(self) -> None:
        self._count = 0
        self._correct = 0
        self._residual: np.ndarray | float = 0.0

    def add(self, outputs: np.ndarray, y: np.ndarray) -> None:
        """outputs: (n, k) logits or predictions; y: the targets the loss takes."""
        self._count += outputs.shape[0]
        if self.name == "r2":
            diff = outputs - y
            self._residual = self._residual + np.einsum("ij,ij->j", diff, diff).astype(np.float64)
        elif outputs.shape[1] == 1:
            self._correct += int(np.count_nonzero((outputs > 0.0) == (y > 0.5)))
        else:
            self._correct += int(np.count_nonzero(outputs.argmax(axis=1) == y))

    def value(self) -> float:
        if self._count == 0:
            return float("nan")
        if self.name == "accuracy":
            return self._correct / self._count
        residual = np.asarray(self._residual, np.float64)
        total = self._total
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(total > 0.0, 1.0 - residual / total, np.where(residual == 0.0, 1.0, 0.0))
        return float(scores.mean())
