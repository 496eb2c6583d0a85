"""The training loop: shuffled minibatches, epoch reports, early stopping, cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from app.engine.network import Network

StopReason = Literal["completed", "early_stopping", "cancelled", "diverged"]


@dataclass(frozen=True)
class TrainingConfig:
    """How to train. Every field has a default; all are plain JSON-able values.

    optimizer: "sgd" | "momentum" | "nesterov" | "rmsprop" | "adam" | "adamw".
    weight_decay: L2 penalty on the weight matrices (not biases or batch-norm
        scales); decoupled (applied to the weights directly) for "adamw".
    clip_norm: rescale the whole gradient when its L2 norm exceeds this.
    schedule: "constant" | "step" | "cosine" | "plateau", stepped once per epoch:
        "step" multiplies the rate by ``decay_factor`` every ``step_size`` epochs;
        "cosine" anneals it to ``min_learning_rate`` over ``epochs``;
        "plateau" multiplies it by ``decay_factor`` after ``plateau_patience``
        epochs without a better monitored loss.
    early_stopping_patience: epochs without a better validation loss before
        stopping; None never stops early. While it is set, the best weights are
        restored when training ends.
    class_weights: one weight per class index (binary: [weight of 0, weight of 1]).
    """

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 32
    epochs: int = 200
    early_stopping_patience: int | None = 20
    weight_decay: float = 0.0
    seed: int = 0
    clip_norm: float | None = None
    schedule: str = "constant"
    class_weights: list[float] | None = None
    momentum: float = 0.9
    step_size: int = 10
    decay_factor: float = 0.5
    plateau_patience: int = 5
    min_learning_rate: float = 0.0


@dataclass(frozen=True)
class EpochReport:
    """One finished epoch. Epochs count from 1; metrics are accuracy or R².

    The train loss and metric are running means over the epoch's minibatches
    (as Keras reports them); the validation ones are None without validation data.
    """

    epoch: int
    train_loss: float
    val_loss: float | None
    train_metric: float
    val_metric: float | None
    seconds: float


@dataclass
class TrainingResult:
    """What happened. ``best_epoch`` is the epoch whose weights the network now holds
    when early stopping is on or training diverged (0 = the initial weights)."""

    history: list[EpochReport] = field(default_factory=list)
    best_epoch: int = 0
    stop_reason: StopReason = "completed"
    message: str = ""


def fit(
    net: Network,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    *,
    loss: str,
    config: TrainingConfig | None = None,
    metric: str | None = None,
    on_epoch: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainingResult:
    """Train ``net`` in place and report how it went.

    X_train: (n, n_inputs); y_train: see the package docstring for its shape by loss.
    metric: "accuracy" or "r2"; by default accuracy for cross-entropy, R² otherwise.
    on_epoch: called after every epoch with its EpochReport.
    should_stop: polled before every epoch and every 256 minibatches; True cancels.
    """
    raise NotImplementedError
