"""Predict new rows with a trained model: the CPU work, for a worker thread (never the event loop)."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

from app.config import Settings
from app.data.encoder_base import EncodingError
from app.data.spreadsheet import spreadsheet_safe
from app.db.experiments import experiment_dir
from app.db.models import Experiment
from app.jobs.predictions import ModelNotAvailable, TrainedModel, load_trained, predict_new_rows, predict_one
from app.services.divergence import require_trained
from app.services.errors import ServiceError


def trained_model(settings: Settings, experiment: Experiment) -> TrainedModel:
    """The experiment's trained model; 409 (with advice) when it has none. Blocking: call it
    from a worker thread."""
    require_trained(experiment)
    try:
        return load_trained(experiment_dir(settings.experiments_dir, experiment.id))
    except ModelNotAvailable as exc:
        raise ServiceError(409, f"Experiment {experiment.id} has no trained model ({experiment.status}).") from exc


def predict_table(model: TrainedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Decoded predictions for every row; 422 when a row cannot be encoded (a missing feature, say)."""
    try:
        return predict_new_rows(model, frame)
    except EncodingError as exc:
        raise ServiceError(422, str(exc)) from exc


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe rows: NaN and infinities become null."""
    return json.loads(frame.to_json(orient="records", double_precision=15))


def predictions_json(model: TrainedModel, frame: pd.DataFrame) -> str:
    """`{"predictions": [...]}` as JSON text."""
    return json.dumps({"predictions": records(predict_table(model, frame))})


def predictions_csv(model: TrainedModel, frame: pd.DataFrame) -> str:
    """The predictions as CSV text, cells made spreadsheet-safe."""
    buffer = io.StringIO()
    spreadsheet_safe(predict_table(model, frame)).to_csv(buffer, index=False)
    return buffer.getvalue()


def what_if(model: TrainedModel, values: dict[str, str]) -> dict[str, Any]:
    """One row typed by a person: the prediction, each class's probability and any notes;
    422 when a value cannot be encoded."""
    try:
        row = predict_one(model, values).iloc[0].to_dict()
    except EncodingError as exc:
        raise ServiceError(422, str(exc)) from exc
    probabilities = {
        name.removeprefix("probability: "): value for name, value in row.items() if name.startswith("probability: ")
    }
    return {"predicted": row.get("predicted"), "probabilities": probabilities, "notes": row.get("notes")}
