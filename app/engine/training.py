"""The training loop: shuffled minibatches, epoch reports, early stopping, cancel."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from app.engine.checkpoints import TrainingCheckpoint, capture, restore
from app.engine.losses import LOSSES, OUTPUT_OF_LOSS
from app.engine.metrics import RunningMetric
from app.engine.monitoring import Monitor, Score
from app.engine.network import Network
from app.engine.optimizers import make_optimizer
from app.engine.schedules import make_schedule

StopReason = Literal["completed", "early_stopping", "cancelled", "diverged"]

CANCEL_POLL_SECONDS = 0.25  # within an epoch, should_stop is polled at least this often
_now = time.monotonic  # the clock of those polls (a test replaces it)


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
    class_weights: Sequence[float] | None = None
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
    improved: bool = False  # the best epoch so far by what early stopping watches


@dataclass
class TrainingResult:
    """What happened. ``best_epoch`` has the lowest monitored loss (0 = none finished);
    ``kept_epoch`` is the epoch whose weights the network holds now: the best one when
    they were restored (early stopping on, or training diverged), else the last one.
    ``checkpoint`` is the optimizer and generator state that goes with those weights."""

    history: list[EpochReport] = field(default_factory=list)
    best_epoch: int = 0
    stop_reason: StopReason = "completed"
    message: str = ""
    weights_restored: bool = False
    checkpoint: TrainingCheckpoint | None = None

    @property
    def kept_epoch(self) -> int:
        if self.weights_restored:
            return self.best_epoch
        return self.history[-1].epoch if self.history else 0


class _Stop(Exception):
    """Ends training early, with the reason and the message the result will carry."""

    def __init__(self, reason: StopReason, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


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
    resume: TrainingCheckpoint | None = None,
    score: Score | None = None,
) -> TrainingResult:
    """Train ``net`` in place and report how it went.

    X_train: (n, n_inputs); y_train: see the package docstring for its shape by loss.
    loss: "binary_crossentropy" (needs a sigmoid output), "categorical_crossentropy"
        (softmax), "mse" / "mae" / "huber" (linear).
    metric: "accuracy" or "r2"; by default accuracy for cross-entropy, R² otherwise.
    on_epoch: called after every epoch with its EpochReport.
    should_stop: polled before every epoch, and within one every 256 minibatches or
        CANCEL_POLL_SECONDS, whichever comes first; True cancels.
    Early stopping and the learning-rate schedule watch the validation loss,
    or the training loss when there is no validation data.
    resume: carry on from this checkpoint (``net`` holding the weights saved with it):
        the optimizer and the shuffling continue where they stood, and epochs are
        numbered on from the checkpoint's.
    score: watch this metric instead (monitoring.py); the reports' train and
        validation metrics are then that score over the whole split, in inference mode.
    """
    config = config or TrainingConfig()
    _check_config(config)
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose from {', '.join(LOSSES)}.")
    if net.output != OUTPUT_OF_LOSS[loss]:
        raise ValueError(f"The {loss} loss needs a {OUTPUT_OF_LOSS[loss]} output, not {net.output}.")
    classification = loss.endswith("crossentropy")
    metric = metric or ("accuracy" if classification else "r2")
    if (metric == "accuracy") != classification:
        raise ValueError(f"The {metric} metric does not fit the {loss} loss.")
    if (X_val is None) != (y_val is None):
        raise ValueError("Validation needs both inputs and targets.")
    X = _inputs(net, X_train)
    y = _targets(net, y_train, loss, len(X))
    validation = None
    if X_val is not None and y_val is not None and len(X_val):
        X_v = _inputs(net, X_val)
        validation = (X_v, _targets(net, y_val, loss, len(X_v)))
    watched = score.name if score else "loss"
    monitored_name = f"validation {watched}" if validation else f"training {watched}"
    monitor = Monitor(score)
    class_weights = _class_weights(net, config.class_weights, loss)

    rng = np.random.default_rng(config.seed)
    net.set_rng(rng)
    epoch_runner = _EpochRunner(net, X, y, loss, config, class_weights, RunningMetric(metric, y),
                                rng, should_stop)
    val_metric = RunningMetric(metric, validation[1]) if validation else None
    start = 0
    if resume is not None:
        restore(resume, epoch_runner.optimizer, rng)
        start = resume.epoch
    schedule = make_schedule(config.schedule, config.learning_rate, epochs=start + config.epochs,
                             step_size=config.step_size, factor=config.decay_factor,
                             patience=config.plateau_patience, min_rate=config.min_learning_rate)
    patience = config.early_stopping_patience
    result = TrainingResult(message=f"Trained for {config.epochs} epoch{'s' * (config.epochs != 1)}.")
    waited = 0
    best_params, best_state = net.params.copy(), net.state.copy()
    best_checkpoint = capture(epoch_runner.optimizer, rng, start)
    # Overflow is expected when training diverges and is caught by explicit
    # finiteness checks that name the cause; NumPy's warnings would only be noise.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        try:
            for epoch in range(start + 1, start + config.epochs + 1):
                if should_stop is not None and should_stop():
                    raise _Stop("cancelled", f"Cancelled after epoch {epoch - 1}."
                                if epoch > start + 1 else "Cancelled before training began.")
                started = time.perf_counter()
                train_loss, train_score = epoch_runner.run(epoch)
                val_loss = val_score = None
                if validation and val_metric:
                    val_loss, val_score = _evaluate(net, *validation, loss, class_weights, val_metric)
                    _check_finite("validation loss", val_loss, epoch)
                if score is not None:
                    train_score = score.function(net.predict(X), y)
                    val_score = score.function(net.predict(validation[0]), validation[1]) if validation else None
                monitored = monitor.badness(val_loss if validation else train_loss,
                                            val_score if validation else train_score)
                improved = monitor.improved(monitored)
                report = EpochReport(epoch, train_loss, val_loss, train_score, val_score,
                                     time.perf_counter() - started, improved)
                result.history.append(report)
                if on_epoch is not None:
                    on_epoch(report)
                if improved:
                    waited, result.best_epoch = 0, epoch
                    np.copyto(best_params, net.params)
                    np.copyto(best_state, net.state)
                else:
                    waited += 1
                    if patience is not None and waited >= patience:
                        raise _Stop("early_stopping", (
                            f"Stopped early at epoch {epoch}: the {monitored_name} had not improved "
                            f"for {patience} epochs; kept the weights of epoch {result.best_epoch}."))
                epoch_runner.optimizer.learning_rate = schedule.rate(epoch, monitored)
                if improved:
                    best_checkpoint = capture(epoch_runner.optimizer, rng, epoch)
        except _Stop as stop:
            result.stop_reason, result.message = stop.reason, stop.message
    if result.stop_reason == "diverged" or (patience is not None and result.best_epoch > start):
        np.copyto(net.params, best_params)
        np.copyto(net.state, best_state)
        result.weights_restored = True
        result.checkpoint = best_checkpoint
    else:
        result.checkpoint = capture(epoch_runner.optimizer, rng, start + len(result.history))
    return result


class _EpochRunner:
    """One pass over the shuffled training data in minibatches, with everything
    the per-batch loop needs bound once, so each batch costs only its NumPy calls."""

    CANCEL_CHECK_EVERY = 256  # minibatches between polls of should_stop

    def __init__(self, net: Network, X: np.ndarray, y: np.ndarray, loss: str,
                 config: TrainingConfig, class_weights: np.ndarray | None,
                 metric: RunningMetric, rng: np.random.Generator,
                 should_stop: Callable[[], bool] | None) -> None:
        self.net, self.X, self.y, self.metric, self.rng = net, X, y, metric, rng
        self.loss_function, self.class_weights = LOSSES[loss], class_weights
        self.optimizer = make_optimizer(config.optimizer, net.n_parameters, net.dtype,
                                        config.learning_rate, config.weight_decay, net.n_decayed,
                                        config.momentum)
        self.clip_squared = None if config.clip_norm is None else float(config.clip_norm) ** 2
        self.batch_size = min(config.batch_size, len(X))
        self.should_stop = should_stop
        self.X_shuffled, self.y_shuffled = np.empty_like(X), np.empty_like(y)

    def run(self, epoch: int) -> tuple[float, float]:
        """Train one epoch; returns its mean minibatch loss and running metric."""
        net, params, grads, optimizer = self.net, self.net.params, self.net.grads, self.optimizer
        loss_function, class_weights, metric = self.loss_function, self.class_weights, self.metric
        X, y, size, should_stop = self.X_shuffled, self.y_shuffled, self.batch_size, self.should_stop
        order = self.rng.permutation(len(X))
        # One gather per epoch, so that every minibatch is a contiguous view. A permutation
        # is always in range: "clip" spares take the buffered copy "raise" makes of ``out``.
        np.take(self.X, order, axis=0, out=X, mode="clip")
        np.take(self.y, order, axis=0, out=y, mode="clip")
        metric.reset()
        total_loss = 0.0
        next_poll = _now() + CANCEL_POLL_SECONDS  # by time too: a huge network's batch is slow
        for batch, start in enumerate(range(0, len(X), size)):
            if should_stop is not None and (batch % self.CANCEL_CHECK_EVERY == self.CANCEL_CHECK_EVERY - 1
                                            or _now() >= next_poll):
                if should_stop():
                    raise _Stop("cancelled", f"Cancelled during epoch {epoch}.")
                next_poll = _now() + CANCEL_POLL_SECONDS
            xb, yb = X[start:start + size], y[start:start + size]
            outputs = net.forward(xb, training=True)
            batch_loss, delta = loss_function(outputs, yb, class_weights)
            _check_finite("loss", batch_loss, epoch)
            metric.add(outputs, yb)
            total_loss += batch_loss * len(xb)
            net.backward(delta)
            squared_norm = float(np.dot(grads, grads))  # also how non-finite gradients show
            _check_finite("gradients", squared_norm, epoch)
            if self.clip_squared is not None and squared_norm > self.clip_squared:
                grads *= math.sqrt(self.clip_squared / squared_norm)
            optimizer.step(params, grads)
        return total_loss / len(X), metric.value()


def _check_finite(what: str, value: float, epoch: int) -> None:
    if not math.isfinite(value):
        kind = "NaN (not a number)" if math.isnan(value) else "infinite"
        advice = " or gradient clipping" if what == "gradients" else ""
        raise _Stop("diverged", f"The {what} became {kind} at epoch {epoch}; "
                                f"try a smaller learning rate{advice}.")


def _check_config(config: TrainingConfig) -> None:
    if config.batch_size < 1:
        raise ValueError(f"The batch size must be at least 1, not {config.batch_size}.")
    if config.epochs < 1:
        raise ValueError(f"Training needs at least 1 epoch, not {config.epochs}.")
    if config.early_stopping_patience is not None and config.early_stopping_patience < 1:
        raise ValueError("The early-stopping patience must be at least 1 epoch (or None).")
    if config.clip_norm is not None and not config.clip_norm > 0.0:
        raise ValueError(f"The gradient clipping norm must be positive, not {config.clip_norm}.")


def _inputs(net: Network, X: np.ndarray) -> np.ndarray:
    X = net.check_inputs(X)
    if not len(X):
        raise ValueError("There are no rows to train on.")
    if not np.isfinite(X).all():
        raise ValueError("The inputs contain missing or infinite values; impute or drop them first.")
    return X


def _targets(net: Network, y: np.ndarray, loss: str, n: int) -> np.ndarray:
    """y in the shape the loss takes: (n,) class indices or (n, n_outputs) floats."""
    y = np.asarray(y)
    if len(y) != n:
        raise ValueError(f"There are {n} rows of inputs but {len(y)} targets.")
    if loss == "categorical_crossentropy":
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or not np.array_equal(y, np.round(y)):
            raise ValueError("Class targets must be whole-number class indices, shape (n,).")
        y = y.astype(np.intp)
        if y.min() < 0 or y.max() >= net.n_outputs:
            raise ValueError(f"Class indices must lie between 0 and {net.n_outputs - 1}.")
        return y
    y = np.ascontiguousarray(y, dtype=net.dtype).reshape(n, -1)
    if y.shape[1] != net.n_outputs:
        raise ValueError(f"Expected {net.n_outputs} target column(s), got {y.shape[1]}.")
    if not np.isfinite(y).all():
        raise ValueError("The targets contain missing or infinite values.")
    if loss == "binary_crossentropy" and (y.min() < 0.0 or y.max() > 1.0):
        raise ValueError("Binary targets must be 0 or 1.")
    return y


def _class_weights(net: Network, weights: Sequence[float] | None, loss: str) -> np.ndarray | None:
    if weights is None:
        return None
    expected = {"binary_crossentropy": 2, "categorical_crossentropy": net.n_outputs}.get(loss)
    if expected is None:
        raise ValueError("Class weights apply to classification only.")
    array = np.asarray(weights, dtype=net.dtype)
    if array.shape != (expected,) or not (np.isfinite(array).all() and (array >= 0.0).all()):
        raise ValueError(f"Expected {expected} non-negative class weights, one per class.")
    return array


def _evaluate(net: Network, X: np.ndarray, y: np.ndarray, loss: str,
              class_weights: np.ndarray | None, metric: RunningMetric) -> tuple[float, float]:
    """Mean loss and metric over (X, y) in inference mode, in chunks to bound memory."""
    metric.reset()
    total, chunk = 0.0, 8192
    for start in range(0, len(X), chunk):
        outputs = net.forward(X[start:start + chunk])
        yb = y[start:start + chunk]
        total += LOSSES[loss](outputs, yb, class_weights)[0] * len(outputs)
        metric.add(outputs, yb)
    return total / len(X), metric.value()
