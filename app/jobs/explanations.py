"""How a trained model's prediction moves with its inputs: a decision surface over two
features, and dependence curves (one row's, and the average over training rows).

Features not on an axis are held at the training rows' median (numbers) or most
frequent value (categories). Axes span the training range of a number, or its
categories. Predictions go through the model's own pipeline, so they are exactly
what the what-if form would show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.jobs.artifacts import PREDICTIONS_FILE
from app.jobs.predictions import FeatureInput, TrainedModel, feature_inputs

SURFACE_SIZE = 40  # grid points per numeric axis
CURVE_POINTS = 30
MAX_CATEGORIES = 40
MAX_POINTS = 400  # training points drawn on a surface
AVERAGE_ROWS = 200  # training rows averaged into a partial-dependence curve


class UnknownFeature(ValueError):
    """A feature name or value the model cannot take; the message says which."""


@dataclass(frozen=True)
class TrainingRows:
    """The training split's rows (a seeded sample of them for large data)."""

    frame: pd.DataFrame


def training_rows(frame: pd.DataFrame, experiment_directory: Path, seed: int = 0,
                  limit: int = 5000) -> TrainingRows:
    """The rows the model was trained on, read from its predictions file."""
    predictions = pd.read_csv(experiment_directory / PREDICTIONS_FILE, usecols=["row", "split"])
    rows = predictions.loc[predictions["split"] == "train", "row"].to_numpy() - 1  # stored 1-based
    if len(rows) > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, limit, replace=False))
    return TrainingRows(frame.iloc[rows].reset_index(drop=True))


def _field(model: TrainedModel, name: str) -> FeatureInput:
    fields = {field.name: field for field in feature_inputs(model)}
    if name not in fields:
        raise UnknownFeature(f"{name!r} is not a feature of this model; choose one of {', '.join(fields)}.")
    return fields[name]


def _numbers(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def typical_row(model: TrainedModel, train: TrainingRows) -> dict[str, str]:
    """Each feature at its training median (numbers) or most frequent value, as form text."""
    row: dict[str, str] = {}
    for field in feature_inputs(model):
        column = train.frame[field.name]
        if field.kind == "number":
            median = _numbers(column).median()
            row[field.name] = "" if pd.isna(median) else repr(float(median))
        else:
            counts = column.dropna().astype(str).value_counts()
            row[field.name] = str(counts.index[0]) if len(counts) else ""
    return row


def axis_values(field: FeatureInput, train: TrainingRows, points: int) -> list[Any]:
    """A number's training range in ``points`` steps, or a category's values."""
    if field.kind == "number":
        low, high = field.low, field.high
        if low is None or high is None:
            numbers = _numbers(train.frame[field.name]).dropna()
            low, high = (float(numbers.min()), float(numbers.max())) if len(numbers) else (0.0, 1.0)
        return [float(v) for v in np.linspace(low, high, points if high > low else 1)]
    counts = train.frame[field.name].dropna().astype(str).value_counts()
    ordered = [c for c in field.choices if c in counts.index] or list(field.choices)
    return ordered[:MAX_CATEGORIES]


def _predict(model: TrainedModel, frame: pd.DataFrame) -> pd.DataFrame:
    return model.pipeline.predict(model.network, frame)


def _classes(model: TrainedModel) -> list[str] | None:
    codec = model.pipeline.label_codec
    return [str(c) for c in codec.classes] if model.pipeline.task != "regression" else None


def _grid_frame(base: Mapping[str, str], fields: list[FeatureInput], n: int) -> pd.DataFrame:
    """``n`` copies of the typical row, numbers as floats (blank = missing)."""
    columns: dict[str, Any] = {}
    for field in fields:
        value = base.get(field.name, "")
        if field.kind == "number":
            columns[field.name] = np.full(n, _number(field.name, value))
        else:
            columns[field.name] = np.full(n, value if value != "" else None, dtype=object)
    return pd.DataFrame(columns)


def _number(name: str, text: str | None) -> float:
    if text is None or str(text).strip() == "":
        return float("nan")
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        raise UnknownFeature(f"{name} needs a number, not {text!r}.") from None


def _outputs(model: TrainedModel, predicted: pd.DataFrame) -> dict[str, Any]:
    classes = _classes(model)
    if classes is None:
        return {"value": [float(v) for v in predicted["predicted"]]}
    probabilities = predicted[[f"probability: {c}" for c in model.pipeline.label_codec.classes]].to_numpy()
    return {"class": [int(i) for i in probabilities.argmax(axis=1)],
            "confidence": [round(float(p), 4) for p in probabilities.max(axis=1)],
            "probabilities": [[round(float(p), 4) for p in row] for row in probabilities]}


def decision_surface(model: TrainedModel, train: TrainingRows, x: str, y: str,
                     size: int = SURFACE_SIZE) -> dict[str, Any]:
    """The prediction over a grid of x (columns) and y (rows), the others held typical,
    with a sample of training points on top."""
    if x == y:
        raise UnknownFeature("Pick two different features for the surface.")
    fx, fy = _field(model, x), _field(model, y)
    xs, ys = axis_values(fx, train, size), axis_values(fy, train, size)
    fields = feature_inputs(model)
    grid = _grid_frame(typical_row(model, train), fields, len(xs) * len(ys))
    grid[x] = np.tile(np.asarray(xs, dtype=object), len(ys))
    grid[y] = np.repeat(np.asarray(ys, dtype=object), len(xs))
    for field in (fx, fy):
        if field.kind == "number":
            grid[field.name] = grid[field.name].astype(float)
    outputs = _outputs(model, _predict(model, grid))
    sample = train.frame if len(train.frame) <= MAX_POINTS else train.frame.sample(MAX_POINTS, random_state=0)
    label = model.pipeline.label
    points = {"x": _plain(sample[x]), "y": _plain(sample[y]), "actual": _plain(sample[label])}
    return {"x": {"feature": x, "kind": fx.kind, "values": xs}, "y": {"feature": y, "kind": fy.kind, "values": ys},
            "task": model.pipeline.task, "classes": _classes(model), "held_at": typical_row(model, train),
            "grid": outputs, "points": points}


def dependence(model: TrainedModel, train: TrainingRows, feature: str, at: Mapping[str, str] | None = None,
               points: int = CURVE_POINTS, rows: int = AVERAGE_ROWS) -> dict[str, Any]:
    """The prediction as ``feature`` moves across its training range: from one row
    (``at``, default the typical row: individual) and averaged over training rows
    (partial dependence)."""
    field = _field(model, feature)
    for name in at or {}:
        _field(model, name)
    values = axis_values(field, train, points)
    fields = feature_inputs(model)
    row = typical_row(model, train) | dict(at or {})
    one = _grid_frame(row, fields, len(values))
    one[feature] = np.asarray(values, dtype=float if field.kind == "number" else object)
    individual = _curve(model, _predict(model, one))
    sample = train.frame if len(train.frame) <= rows else train.frame.sample(rows, random_state=0)
    many = sample[[f.name for f in fields]].loc[sample.index.repeat(len(values))].reset_index(drop=True)
    many[feature] = np.tile(np.asarray(values, dtype=object), len(sample))
    if field.kind == "number":
        many[feature] = many[feature].astype(float)
    average = _curve(model, _predict(model, many), groups=len(values))
    return {"feature": feature, "kind": field.kind, "values": values, "task": model.pipeline.task,
            "classes": _classes(model), "row": row, "individual": individual, "average": average,
            "averaged_rows": int(len(sample))}


def _curve(model: TrainedModel, predicted: pd.DataFrame, groups: int | None = None) -> dict[str, list[float]]:
    """Per output (the value, or each class's probability), one number per axis value;
    with ``groups``, rows are laid out row-major (row, value) and averaged over rows."""
    classes = _classes(model)
    names = ["predicted"] if classes is None else [f"probability: {c}" for c in model.pipeline.label_codec.classes]
    labels = ["value"] if classes is None else classes
    curves: dict[str, list[float]] = {}
    for name, label in zip(names, labels, strict=True):
        column = predicted[name].to_numpy(dtype=float)
        if groups is not None:
            column = column.reshape(-1, groups).mean(axis=0)
        curves[label] = [round(float(v), 6) for v in column]
    return curves


def _plain(series: pd.Series) -> list[Any]:
    """JSON-able values: numbers as floats, missing as None, the rest as text."""
    out: list[Any] = []
    for value in series.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append(None)
        elif isinstance(value, int | float | np.number) and not isinstance(value, bool):
            out.append(float(value))
        else:
            out.append(str(value))
    return out
