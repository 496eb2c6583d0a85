"""Warnings a person can act on, read off a finished run: each is {"kind", "message"}.

Thresholds (chosen so that a healthy run on the bundled samples stays silent):
- overfitting: the train headline above the validation one by more than 0.10 of
  accuracy or 0.15 of R² (R² swings more on small validation splits);
- constant_prediction: one class for at least 99 % of the test rows while the test
  split holds several classes, or regression predictions whose standard deviation
  is below 1 % of the actual values' one;
- class_imbalance: a majority class of at least 60 % of the test rows, and either
  accuracy within 3 points of always predicting it, or balanced accuracy 0.15 or more
  below accuracy;
- more_epochs: training ran to the epoch limit (no early stop) and the monitored loss
  was still falling: its best epoch lies in the last tenth of the run (at least the
  last 3 epochs) and it improved by more than 0.5 % over that stretch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from app.engine import EpochReport

OVERFIT_ACCURACY_GAP = 0.10
OVERFIT_R2_GAP = 0.15
CONSTANT_CLASS_SHARE = 0.99
CONSTANT_SPREAD_RATIO = 0.01
IMBALANCED_MAJORITY_SHARE = 0.60
ACCURACY_NEAR_MAJORITY = 0.03
BALANCED_ACCURACY_GAP = 0.15
STILL_FALLING_WINDOW_SHARE = 0.10
STILL_FALLING_MIN_WINDOW = 3
STILL_FALLING_MIN_GAIN = 0.005

Warning = dict[str, str]


def _warning(kind: str, message: str) -> Warning:
    return {"kind": kind, "message": message}


def overfitting_warning(task: str, metrics: Mapping[str, Mapping[str, float | None]]) -> Warning | None:
    """The network fits its training rows far better than rows it has not seen."""
    headline, limit = ("r2", OVERFIT_R2_GAP) if task == "regression" else ("accuracy", OVERFIT_ACCURACY_GAP)
    train = metrics.get("train", {}).get(headline)
    validation = metrics.get("validation", {}).get(headline)
    if train is None or validation is None or train - validation <= limit:
        return None
    name = "R²" if headline == "r2" else "accuracy"
    return _warning("overfitting", (
        f"The network overfits: {name} is {train:.2f} on the training rows but {validation:.2f} on the "
        "validation rows. Add dropout or weight decay, use fewer units or layers, or stop earlier "
        "(a smaller early-stopping patience)."))


def constant_prediction_warning(
    task: str, actual: np.ndarray, predicted: np.ndarray, class_names: Sequence[Any] = ()
) -> Warning | None:
    """The network says (nearly) the same thing for every test row.

    Classification: actual and predicted are class indices (n,); regression: values (n,).
    """
    actual, predicted = np.asarray(actual).reshape(-1), np.asarray(predicted).reshape(-1)
    if predicted.size == 0:
        return None
    if task == "regression":
        spread, actual_spread = float(np.std(predicted)), float(np.std(actual))
        if actual_spread == 0 or spread >= CONSTANT_SPREAD_RATIO * actual_spread:
            return None
        return _warning("constant_prediction", (
            f"The network predicts nearly the same value (about {float(np.mean(predicted)):.4g}) for every "
            "test row: it has learned little beyond the average. Try a higher learning rate, more epochs, "
            "fewer dropout, or check that the features relate to the label."))
    if np.unique(actual).size < 2:
        return None
    counts = np.bincount(predicted.astype(np.int64))
    top = int(counts.argmax())
    if counts[top] < CONSTANT_CLASS_SHARE * predicted.size:
        return None
    name = class_names[top] if top < len(class_names) else top
    return _warning("constant_prediction", (
        f"The network predicts \"{name}\" for {counts[top]:,} of the {predicted.size:,} test rows "
        f"({counts[top] / predicted.size:.0%}), though the test rows hold other classes too: it has learned "
        "to ignore the features. Move the decision threshold, or try a higher learning rate, more epochs, "
        "less dropout or weight decay, or more rows of the rarer classes."))


def class_imbalance_warning(
    test_metrics: Mapping[str, float | None], majority_share: float | None, majority_class: Any = None
) -> Warning | None:
    """Accuracy looks good only because one class dominates the test rows."""
    accuracy, balanced = test_metrics.get("accuracy"), test_metrics.get("balanced_accuracy")
    if accuracy is None or majority_share is None or majority_share < IMBALANCED_MAJORITY_SHARE:
        return None
    near_majority = accuracy - majority_share < ACCURACY_NEAR_MAJORITY
    balanced_low = balanced is not None and accuracy - balanced >= BALANCED_ACCURACY_GAP
    if not (near_majority or balanced_low):
        return None
    majority = f'"{majority_class}"' if majority_class is not None else "the majority class"
    always = f"always predicting {majority}"
    detail = (f"accuracy {accuracy:.2f} is close to the {majority_share:.2f} of {always}" if near_majority
              else f"balanced accuracy is only {balanced:.2f} against an accuracy of {accuracy:.2f}")
    return _warning("class_imbalance", (
        f"One class dominates the test rows and {detail}. Judge the network by balanced accuracy, F1 "
        "and the confusion matrix rather than accuracy; more rows of the rarer classes would help."))


def more_epochs_warning(history: Sequence[EpochReport], stop_reason: str) -> Warning | None:
    """Training hit the epoch limit while the (validation) loss was still improving."""
    if stop_reason != "completed" or len(history) < 2:
        return None
    use_validation = all(report.val_loss is not None for report in history)
    losses = np.array([r.val_loss if use_validation else r.train_loss for r in history], dtype=np.float64)
    if not np.all(np.isfinite(losses)):
        return None
    window = min(len(losses) - 1, max(STILL_FALLING_MIN_WINDOW, round(STILL_FALLING_WINDOW_SHARE * len(losses))))
    best = int(losses.argmin())
    start = losses[-window - 1]
    if best < len(losses) - window or start <= 0 or (start - losses[-1]) / start <= STILL_FALLING_MIN_GAIN:
        return None
    which = "validation" if use_validation else "training"
    return _warning("more_epochs", (
        f"Training stopped at the epoch limit ({len(history)}) while the {which} loss was still falling: "
        "more epochs may help."))


def find_warnings(
    task: str,
    metrics: Mapping[str, Mapping[str, float | None]],
    test_actual: np.ndarray,
    test_predicted: np.ndarray,
    history: Sequence[EpochReport],
    stop_reason: str,
    class_names: Sequence[Any] = (),
) -> list[Warning]:
    """Every warning that applies, in reading order.

    test_actual / test_predicted: class indices (n,) for classification, values (n,) in
    the label's units for regression.
    """
    found = [
        overfitting_warning(task, metrics),
        constant_prediction_warning(task, test_actual, test_predicted, class_names),
        more_epochs_warning(history, stop_reason),
    ]
    actual = np.asarray(test_actual).reshape(-1)
    if task != "regression" and actual.size:
        counts = np.bincount(actual.astype(np.int64))
        top = int(counts.argmax())
        share = float(counts[top] / actual.size)
        name = class_names[top] if top < len(class_names) else None
        found.insert(2, class_imbalance_warning(metrics.get("test", {}), share, name))
    return [warning for warning in found if warning is not None]
