"""What a finished experiment gives back: its predictions, predictions for new rows,
its epochs, and the portable model."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from anyio import to_thread
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from app.data.csv_options import CsvError, CsvLimits
from app.data.csv_reader import read_csv_file
from app.db.experiments import epochs_after, experiment_dir
from app.jobs.artifacts import PREDICTIONS_FILE
from app.jobs.model_export import ModelExportError, build_model_onnx, build_model_zip
from app.jobs.onnx_export import OnnxExportError
from app.jobs.predictions import TrainedModel
from app.services import predictions as predicting
from app.services.divergence import require_trained
from app.services.sweep_blinding import test_hidden
from app.web.contract.common import error_responses, file_response
from app.web.contract.experiments import Epoch
from app.web.contract.results import Predictions
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.ids import PathId
from app.web.serializers import epoch_payload
from app.web.uploads import UploadError, receive_csv_upload

router = APIRouter(prefix="/api/experiments", tags=["results"])

MAX_JSON_ROWS = 10_000


def model_of(session: SessionDep, settings: SettingsDep, experiment_id: int) -> TrainedModel:
    """The experiment's trained model, or 404 / 409 (blocking: call it from a thread)."""
    return predicting.trained_model(settings, experiment_or_404(session, experiment_id))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(
    "/{experiment_id}/predictions.csv", summary="Every row with its inputs, split, actual and predicted values",
    response_class=Response,
    responses=file_response("text/csv", "The predictions as CSV") | error_responses(404, 409, 422),
)
def predictions_csv(
    experiment_id: PathId, session: SessionDep, settings: SettingsDep,
    inputs: Annotated[bool, Query(description="false leaves the input columns out")] = True,
) -> Response:
    experiment = experiment_or_404(session, experiment_id)
    require_trained(experiment)
    path = experiment_dir(settings.experiments_dir, experiment.id) / PREDICTIONS_FILE
    if not path.exists():
        raise HTTPException(409, f"Experiment {experiment_id} has no predictions ({experiment.status}).")
    headers = _attachment(f"layerlab-experiment-{experiment_id}-predictions.csv")
    if test_hidden(experiment) or not inputs:
        rows = _filtered_predictions(path, blind_test=test_hidden(experiment), drop_inputs=not inputs)
        return StreamingResponse(rows, media_type="text/csv", headers=headers)
    return FileResponse(path, media_type="text/csv", headers=headers)


def _filtered_predictions(path: Path, *, blind_test: bool, drop_inputs: bool) -> Iterator[str]:
    """The stored CSV without the input columns (those between "row" and "split"), and/or
    with the test rows' predictions left blank: a sweep's test split stays blind until its
    configuration is picked, in downloads too."""
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        split, actual = header.index("split"), header.index("actual")
        kept = [0, *range(split, len(header))] if drop_inputs else list(range(len(header)))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([header[i] for i in kept])
        for number, row in enumerate(reader, start=1):
            if blind_test and row[split] == "test":
                row = row[: actual + 1] + [""] * (len(row) - actual - 1)
            writer.writerow([row[i] for i in kept])
            if number % 5_000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


@router.get(
    "/{experiment_id}/epochs", summary="The learning curve: one row per epoch", responses=error_responses(404, 422)
)
def epochs(experiment_id: PathId, session: SessionDep) -> list[Epoch]:
    experiment_or_404(session, experiment_id)
    rows = epochs_after(session=session, experiment_id=experiment_id)
    return [Epoch.model_validate(epoch_payload(row)) for row in rows]


@router.get(
    "/{experiment_id}/model", summary="The portable model: model.json, weights.npz, predict.py, card",
    response_class=Response,
    responses=file_response("application/zip", "A zip file") | error_responses(404, 409, 422),
)
def model_zip(experiment_id: PathId, session: SessionDep, settings: SettingsDep) -> Response:
    experiment = experiment_or_404(session, experiment_id)
    require_trained(experiment)
    try:
        data = build_model_zip(experiment=experiment, directory=experiment_dir(settings.experiments_dir, experiment.id))
    except ModelExportError as exc:
        raise HTTPException(409, str(exc)) from exc
    return Response(data, media_type="application/zip", headers=_attachment(f"layerlab-model-{experiment_id}.zip"))


@router.get(
    "/{experiment_id}/model.onnx", summary="The model with its preprocessing as ONNX: one input per column",
    response_class=Response,
    responses=file_response("application/octet-stream", "An ONNX model") | error_responses(404, 409, 422),
)
def model_onnx(experiment_id: PathId, session: SessionDep, settings: SettingsDep) -> Response:
    experiment = experiment_or_404(session, experiment_id)
    directory = experiment_dir(settings.experiments_dir, experiment.id)
    try:
        data = build_model_onnx(experiment=experiment, directory=directory)
    except (ModelExportError, OnnxExportError) as exc:
        raise HTTPException(409, str(exc)) from exc
    return Response(data, media_type="application/octet-stream",
                    headers=_attachment(f"layerlab-model-{experiment_id}.onnx"))


def _json_rows(body: Any) -> pd.DataFrame:
    rows = body.get("rows") if isinstance(body, dict) else body
    if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) for row in rows):
        raise HTTPException(422, 'Send the rows as a JSON list of objects, or as {"rows": [...]}.')
    if len(rows) > MAX_JSON_ROWS:
        raise HTTPException(413, f"Send at most {MAX_JSON_ROWS:,} rows per request; upload a CSV for more.")
    return pd.DataFrame.from_records(rows)


async def read_uploaded_rows(request: Request, settings: SettingsDep) -> pd.DataFrame:
    """A CSV upload read as robustly as a dataset; raises HTTPException with the reason."""
    try:
        received = await receive_csv_upload(
            request, temp_dir=settings.datasets_dir, limit_bytes=settings.max_upload_bytes
        )
    except UploadError as exc:
        raise HTTPException(exc.status_code, exc.detail) from exc
    try:
        limits = CsvLimits(max_rows=settings.max_rows, max_columns=settings.max_columns)
        return (await to_thread.run_sync(read_csv_file, received.path, limits)).frame
    except CsvError as exc:
        raise HTTPException(422, exc.message) from exc
    finally:
        received.path.unlink(missing_ok=True)


@router.post(
    "/{experiment_id}/predict", summary="Predict new rows: a CSV upload gives CSV, JSON rows give JSON",
    response_class=Response,
    responses={200: {
        "description": "JSON rows in, JSON out; a CSV upload in, CSV out",
        "model": Predictions,
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }} | error_responses(400, 404, 409, 413, 415, 422),
)
async def predict(experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    # Loading the model, encoding the rows and running the network all happen in a worker
    # thread: a large request must not hold up every other request on the event loop.
    model = await to_thread.run_sync(model_of, session, settings, experiment_id)
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
            raise HTTPException(422, "The request body is not valid JSON.") from exc
        text = await to_thread.run_sync(lambda: predicting.predictions_json(model, _json_rows(body)))
        return Response(text, media_type="application/json")
    frame = await read_uploaded_rows(request, settings)
    return Response(
        await to_thread.run_sync(predicting.predictions_csv, model, frame),
        media_type="text/csv",
        headers=_attachment(f"layerlab-experiment-{experiment_id}-new-predictions.csv"),
    )
