"""Where a finished experiment's files live: the model (JSON + .npz), its pipeline and
its predictions. Pickle-free, loadable with NumPy alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from app.data.spreadsheet import spreadsheet_safe
from app.engine import save_model_dir
from app.engine.checkpoints import save_checkpoint
from app.jobs.pipeline import ExperimentOutcome

PIPELINE_FILE = "pipeline.json"
PREDICTIONS_FILE = "predictions.csv"
START_DIR = "start"  # a continued experiment's starting point (see continuation), kept across runs
LARGEST_ERRORS_FILE = "largest_errors.json"
EVALUATION_FILE = "evaluation.npz"  # classification: class indices and probabilities per split


def export_predictions(predictions: pd.DataFrame) -> pd.DataFrame:
    """As the user downloads them: rows numbered from 1 like a spreadsheet's data rows,
    and no cell a spreadsheet would run as a formula."""
    exported = predictions.copy()
    exported["row"] = exported["row"] + 1
    return spreadsheet_safe(exported)


def save_outcome(directory: Path, outcome: ExperimentOutcome) -> None:
    """Write into a temporary sibling, then swap it in, so readers never see half a model."""
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    save_model_dir(outcome.network, staging)
    if outcome.training.checkpoint is not None:
        save_checkpoint(outcome.training.checkpoint, staging)
    if (directory / START_DIR).is_dir():
        shutil.copytree(directory / START_DIR, staging / START_DIR)
    (staging / PIPELINE_FILE).write_text(json.dumps(outcome.pipeline.to_dict()))
    export_predictions(outcome.predictions).to_csv(staging / PREDICTIONS_FILE, index=False)
    (staging / LARGEST_ERRORS_FILE).write_text(json.dumps(outcome.largest_errors, allow_nan=False))
    if outcome.evaluation:
        np.savez_compressed(staging / EVALUATION_FILE, **outcome.evaluation)
    shutil.rmtree(directory, ignore_errors=True)
    staging.rename(directory)
