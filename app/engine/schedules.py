"""Learning-rate schedules, stepped once per epoch.

``schedule.rate(epoch, monitored_loss)`` gives the learning rate for the epoch
after ``epoch`` (epochs count from 1), given that epoch's monitored loss
(the validation loss, or the training loss without validation data).
"""

from __future__ import annotations

import math


class Schedule:
    def __init__(self, base_rate: float) -> None:
        self.base_rate = float(base_rate)

    def rate(self, epoch: int, monitored_loss: float) -> float:
        return self.base_rate


class StepDecay(Schedule):
    """base · factor ^ floor(epoch / step_size)."""

    def __init__(self, base_rate: float, step_size: int, factor: float) -> None:
        super().__init__(base_rate)
        if step_size < 1:
            raise ValueError(f"A step schedule needs a step size of at least 1 epoch, not {step_size}.")
        self.step_size, self.factor = step_size, float(factor)

    def rate(self, epoch: int, monitored_loss: float) -> float:
        return self.base_rate * self.factor ** (epoch // self.step_size)


class CosineDecay(Schedule):
    """min + (base - min) · (1 + cos(π · epoch / epochs)) / 2: from base at epoch 0
    down to min at the last epoch."""

    def __init__(self, base_rate: float, epochs: int, min_rate: float = 0.0) -> None:
        super().__init__(base_rate)
        self.epochs, self.min_rate = max(epochs, 1), float(min_rate)

    def rate(self, epoch: int, monitored_loss: float) -> float:
        progress = min(epoch, self.epochs) / self.epochs
        return self.min_rate + (self.base_rate - self.min_rate) * (1.0 + math.cos(math.pi * progress)) / 2.0


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` after ``patience`` epochs without a better
    monitored loss (never below ``min_rate``), then wait ``patience`` epochs again."""

    def __init__(self, base_rate: float, patience: int, factor: float, min_rate: float = 0.0) -> None:
        super().__init__(base_rate)
        self.patience, self.factor, self.min_rate = patience, float(factor), float(min_rate)
        self.current = self.base_rate
        self.best = math.inf
        self.waited = 0

    def rate(self, epoch: int, monitored_loss: float) -> float:
        if monitored_loss < self.best:
            self.best, self.waited = monitored_loss, 0
        else:
            self.waited += 1
            if self.waited >= self.patience:
                self.current = max(self.current * self.factor, self.min_rate)
                self.waited = 0
        return self.current


SCHEDULES = ("constant", "step", "cosine", "plateau")


def make_schedule(name: str, base_rate: float, *, epochs: int, step_size: int = 10,
                  factor: float = 0.5, patience: int = 5, min_rate: float = 0.0) -> Schedule:
    """The schedule called ``name`` (one of SCHEDULES)."""
    if name == "constant":
        return Schedule(base_rate)
    if name == "step":
        return StepDecay(base_rate, step_size, factor)
    if name == "cosine":
        return CosineDecay(base_rate, epochs, min_rate)
    if name == "plateau":
        return ReduceOnPlateau(base_rate, patience, factor, min_rate)
    raise ValueError(f"Unknown learning-rate schedule {name!r}; choose from {', '.join(SCHEDULES)}.")
