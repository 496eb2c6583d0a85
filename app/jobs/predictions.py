"""Predictions for new rows from a finished experiment's stored model and pipeline."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from app.engine import Network, load_model_dir
from app.jobs.artifacts import PIPELINE_FILE
from app.jobs.pipeline import FittedPipeline

NOTES_COLUMN = "notes"


class ModelNotAvailable(LookupError):
    """The experiment has no stored model (not finished, or it failed before training)."""


@dataclass(frozen=True)
class TrainedModel:
    network: Network
    pipeline: FittedPipeline


@lru_cache(maxsize=16)
def _load(directory: Path, _stamp: float) -> TrainedModel:
    pipeline = FittedPipeline.from_dict(json.loads((directory / PIPELINE_FILE).read_text()))
    return TrainedModel(load_model_dir(directory), pipeline)


def load_trained(directory: Path) -> TrainedModel:
    """The model in `directory`, cached until its files change."""
    pipeline_file = directory / PIPELINE_FILE
    if not pipeline_file.exists():
        raise ModelNotAvailable(f"There is no trained model in {directory.name}.")
    return _load(directory, pipeline_file.stat().st_mtime)


def predict_new_rows(model: TrainedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """The input rows (every column passed through), then `predicted`, one probability
    column per class, and `notes` naming unseen categories or values outside the
    training range. A missing feature column raises EncodingError naming it."""
    predicted = model.pipeline.predict(model.network, frame)
    notes = model.pipeline.table.row_notes(frame)
    result = frame.reset_index(drop=True).copy()
    for name in [*predicted.columns, NOTES_COLUMN]:
        if name in result.columns:  # never overwrite one of the user's own columns
            result = result.rename(columns={name: f"{name} (input)"})
    for name in predicted.columns:
        result[name] = predicted[name].to_numpy()
    result[NOTES_COLUMN] = notes
    return result


@dataclass(frozen=True)
class FeatureInput:
    """How the what-if form asks for one feature: a number (with the training range) or a choice."""

    name: str
    kind: str  # "number" | "category"
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


def feature_inputs(model: TrainedModel) -> list[FeatureInput]:
    inputs = []
    for column in model.pipeline.table.columns:
        categories = getattr(column.encoder, "categories", None)
        if categories is not None:
            inputs.append(FeatureInput(column.column, "category", tuple(str(c) for c in categories)))
        else:
            low, high = column.train_range or (None, None)
            inputs.append(FeatureInput(column.column, "number", low=low, high=high))
    return inputs


def predict_one(model: TrainedModel, values: dict[str, str]) -> pd.DataFrame:
    """One row typed into a form: blank means missing; numbers are read as numbers."""
    row: dict[str, object] = {}
    for field in feature_inputs(model):
        raw = values.get(field.name, "").strip()
        if raw == "":
            row[field.name] = None
        elif field.kind == "number":
            row[field.name] = float(raw.replace(",", "")) if _is_number(raw) else raw
        else:
            row[field.name] = raw
    return predict_new_rows(model, pd.DataFrame([row]))


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True
