"""The rows an experiment trains on: its dataset read with the options in force when it was created."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from app.data.csv_options import ReadOptions
from app.data.frame_store import frame_path, read_frame
from app.data.table_files import load_table
from app.db.datasets import dataset_path
from app.db.models import Experiment


def experiment_read_options(experiment: Experiment) -> ReadOptions:
    """The dataset's read options, with the missing-value tokens the experiment recorded."""
    options = ReadOptions.from_dict(experiment.dataset.read_options)
    options.missing_tokens = experiment.missing_tokens
    return options


def load_experiment_frame(datasets_dir: Path, experiment: Experiment) -> pd.DataFrame:
    """The stored Parquet rows when they were read with the experiment's tokens; otherwise
    (other tokens, or a dataset stored before Parquet was) the original file, re-read."""
    path = dataset_path(datasets_dir=datasets_dir, dataset=experiment.dataset)
    return load_rows(path, experiment_read_options(experiment))


def load_rows(path: Path, options: ReadOptions) -> pd.DataFrame:
    frame = read_frame(frame_path(path), options.missing_tokens)
    if frame is not None:
        return frame
    return load_table(path, options)
