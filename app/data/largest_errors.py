"""The worst rows of a split, with their inputs: where the network is most wrong.

Regression: the largest absolute errors. Classification: the rows whose actual class got
the lowest probability; shown are those predicted wrong at the current decision threshold
(the most confident mistakes). Up to MAX_CANDIDATES rows per split are kept after
training so that moving the threshold can be answered without the data.
Rows are numbered from 1, as in the predictions CSV. Everything returned is JSON-safe.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from app.data.decisions import predicted_at
from app.data.metrics import json_safe

MAX_CANDIDATES = 200


def _inputs(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts: NaN becomes None, dates ISO text."""
    return json.loads(frame.to_json(orient="records", date_format="iso", double_precision=15, default_handler=str))


def error_entries(
    task: str,
    rows: np.ndarray,
    actual: np.ndarray,
    predicted: np.ndarray | None,
    probabilities: np.ndarray | None,
    class_names: Sequence[Any],
    inputs: pd.DataFrame,
) -> list[dict[str, Any]]:
    """The worst rows first, at most MAX_CANDIDATES.

    rows: 0-based positions in the dataset (n,); actual: values (regression) or class
    indices (n,); predicted: values (regression); probabilities: (n, n_classes); inputs:
    the split's feature columns, one row per actual value.
    """
    actual = np.asarray(actual)
    if task == "regression":
        error = actual.astype(np.float64) - np.asarray(predicted, dtype=np.float64)
        order = np.argsort(-np.abs(np.nan_to_num(error, nan=-np.inf)), kind="stable")[:MAX_CANDIDATES]
    else:
        given = np.asarray(probabilities)[np.arange(actual.size), actual.astype(np.int64)]
        order = np.argsort(given, kind="stable")[:MAX_CANDIDATES]
    values = _inputs(inputs.iloc[order].reset_index(drop=True))
    entries = []
    for position, row_inputs in zip(order, values, strict=True):
        entry: dict[str, Any] = {"row": int(rows[position]) + 1, "inputs": row_inputs}
        if task == "regression":
            entry |= {"actual": actual[position], "predicted": np.asarray(predicted)[position],
                      "error": error[position]}
        else:
            entry |= {"actual_index": int(actual[position]),
                      "probabilities": np.asarray(probabilities, dtype=np.float64)[position]}
        entries.append(json_safe(entry))
    return entries


def shown_errors(
    entries: Sequence[dict[str, Any]], task: str, class_names: Sequence[Any], threshold: float | None, limit: int
) -> list[dict[str, Any]]:
    """The first `limit` entries to show: every regression entry, or the classification
    entries predicted wrong at `threshold`, with {"actual", "predicted", "probability"}."""
    if task == "regression":
        return [dict(entry) for entry in entries[:limit]]
    shown = []
    for entry in entries:
        probabilities = np.array([entry["probabilities"]], dtype=np.float64)
        predicted = int(predicted_at(probabilities, threshold)[0])
        if predicted == entry["actual_index"]:
            continue
        shown.append({"row": entry["row"], "actual": class_names[entry["actual_index"]],
                      "predicted": class_names[predicted], "probability": float(probabilities[0, predicted]),
                      "probability_actual": float(probabilities[0, entry["actual_index"]]),
                      "inputs": entry["inputs"]})
        if len(shown) == limit:
            break
    return shown
