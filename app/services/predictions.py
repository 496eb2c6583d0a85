"""Predict new rows with a trained model: the CPU work, for a worker thread (never the event loop)."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

from app.data.encoder_base import EncodingError
from app.data.spreadsheet import spreadsheet_safe
from app.jobs.predictions import TrainedModel, predict_new_rows
from app.services.errors import ServiceError


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
