"""What early stopping, the best epoch and the plateau schedule watch.

By default the validation loss (lower is better). A `Score` replaces it with a task
metric that a person cares about more (balanced accuracy on imbalanced classes, say):
`function(outputs, targets)` takes the network's outputs after its output activation
and the targets as `fit` takes them, and returns the metric.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Score:
    name: str
    function: Callable[[np.ndarray, np.ndarray], float]
    higher_is_better: bool = True


class Monitor:
    """Tracks the best value seen; `badness` is what a lower-is-better schedule watches."""

    def __init__(self, score: Score | None) -> None:
        self.score = score
        self.best = math.inf  # always in lower-is-better form

    def badness(self, loss: float, score: float | None) -> float:
        if self.score is None:
            return loss
        if score is None or not math.isfinite(score):
            return math.inf
        return -score if self.score.higher_is_better else score

    def improved(self, badness: float) -> bool:
        if badness < self.best:
            self.best = badness
            return True
        return False
