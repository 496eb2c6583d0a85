"""Changing a finished binary experiment's decision threshold: everything that decides
at it follows (stored metrics, confusion matrices and verdict, the model's pipeline, hence
/predict, the what-if form and the model zip, and the predictions CSV).

The scores are recomputed from the per-row probabilities kept at training time
(artifacts.EVALUATION_FILE), so that no data is read again and nothing is retrained.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from app.data.baselines import verdict
from app.data.decisions import predicted_at
from app.data.evaluation import classification_evaluation
from app.data.metrics import json_safe
from app.data.spreadsheet import neutralise_cell
from app.jobs.artifacts import EVALUATION_FILE, PIPELINE_FILE, PREDICTIONS_FILE
from app.jobs.diagnostics import class_imbalance_warning, constant_prediction_warning
from app.jobs.pipeline import FittedPipeline

SPLITS = ("train", "validation", "test")


class ThresholdError(ValueError):
    """The threshold cannot be changed; the message says why."""


def parse_threshold(body: Any) -> float:
    """The threshold of a {"threshold": x} body, 0 < x < 1; raises ThresholdError."""
    value = body.get("threshold") if isinstance(body, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or not 0 < value < 1:
        raise ThresholdError('Send {"threshold": x}, with the threshold x a number between 0 and 1 (both excluded).')
    return float(value)


def rescore(
    directory: Path, metrics: dict[str, Any], summary: dict[str, Any], threshold: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """New (metrics, summary) at `threshold`, and the model and predictions CSV in
    `directory` switched to it. Raises ThresholdError when there is nothing to change."""
    pipeline_path, arrays_path = directory / PIPELINE_FILE, directory / EVALUATION_FILE
    if not summary.get("decision") or not pipeline_path.is_file() or not arrays_path.is_file():
        raise ThresholdError("Only a finished binary classification has a decision threshold.")
    pipeline = FittedPipeline.from_dict(json.loads(pipeline_path.read_text()))
    classes = pipeline.label_codec.classes
    metrics, summary = copy.deepcopy(metrics), copy.deepcopy(summary)
    with np.load(arrays_path, allow_pickle=False) as arrays:
        splits = {name: (arrays[f"{name}_y"], arrays[f"{name}_probabilities"]) for name in SPLITS}
    for name, (y, probabilities) in splits.items():
        curve_class = (summary.get("details", {}).get(name) or {}).get("curve_class")
        metrics[name], summary["details"][name] = classification_evaluation(
            y, probabilities, classes, threshold=threshold, minority_class=curve_class
        )
    summary["decision"]["threshold"] = threshold
    baseline = summary.get("baseline")
    if baseline:
        baseline["network"] = metrics["test"]
        baseline["verdict"] = verdict(pipeline.task, metrics["test"], baseline["models"],
                                      baseline.get("metric"), baseline.get("class_shares") or ())
    summary["warnings"] = _warnings_at(summary.get("warnings") or [], metrics, splits["test"], classes, threshold)
    pipeline.label_codec.threshold = threshold  # type: ignore[attr-defined]
    _replace(pipeline_path, json.dumps(pipeline.to_dict()))
    _rewrite_predictions(directory / PREDICTIONS_FILE, classes, threshold)
    return json_safe(metrics), json_safe(summary)


def _warnings_at(
    warnings: list[dict[str, str]], metrics: dict[str, Any], test: tuple[np.ndarray, np.ndarray],
    classes: list[Any], threshold: float,
) -> list[dict[str, str]]:
    """The stored warnings, with those that depend on the decisions made again."""
    y, probabilities = test
    redone = [constant_prediction_warning("binary", y, predicted_at(probabilities, threshold), classes)]
    if y.size:
        counts = np.bincount(y, minlength=len(classes))
        top = int(counts.argmax())
        redone.append(class_imbalance_warning(metrics["test"], float(counts[top] / y.size), classes[top]))
    kept = [w for w in warnings if w["kind"] not in ("constant_prediction", "class_imbalance")]
    return [w for w in redone if w is not None] + kept


def _replace(path: Path, text: str) -> None:
    staging = path.with_name(path.name + ".partial")
    staging.write_text(text)
    os.replace(staging, path)


def _rewrite_predictions(path: Path, classes: list[Any], threshold: float) -> None:
    """The stored CSV with "predicted" decided again from the positive class's probability."""
    if not path.is_file():
        return
    names = [neutralise_cell(str(name)) for name in classes]
    staging = path.with_name(path.name + ".partial")
    with path.open(newline="") as source, staging.open("w", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        predicted, positive = header.index("predicted"), header.index(neutralise_cell(f"probability: {classes[1]}"))
        for row in reader:
            if row[positive] != "":
                row[predicted] = names[int(float(row[positive]) >= threshold)]
            writer.writerow(row)
    os.replace(staging, path)
