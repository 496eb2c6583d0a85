"""Continue training: a new experiment that starts where a finished one stopped.

Queueing copies the finished experiment's model, fitted pipeline and training
checkpoint into the new experiment's `start/` folder, so it runs on exactly those
(even if the original is trained again or deleted meanwhile), with the same data
split and encoders, its epochs numbered on from the original's.
"""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.db.experiments import create_continued_experiment, experiment_dir
from app.db.models import Experiment, ExperimentStatus
from app.engine import Network, load_model_dir
from app.engine.checkpoints import CHECKPOINT_FILE, OPTIMIZER_FILE, TrainingCheckpoint, load_checkpoint
from app.engine.serialization import CONFIG_FILE, WEIGHTS_FILE
from app.jobs.artifacts import PIPELINE_FILE, START_DIR
from app.jobs.pipeline import FittedPipeline

CONTINUABLE = frozenset({ExperimentStatus.COMPLETED, ExperimentStatus.CANCELLED})
START_FILES = (CONFIG_FILE, WEIGHTS_FILE, PIPELINE_FILE, OPTIMIZER_FILE, CHECKPOINT_FILE)


class ContinuationError(ValueError):
    """The experiment cannot be continued; the message says why."""


@dataclass
class Continuation:
    """What a continued experiment starts from: the network with its kept weights,
    the fitted encoders and the optimizer / shuffling state after `checkpoint.epoch`."""

    network: Network
    pipeline: FittedPipeline
    checkpoint: TrainingCheckpoint


def continue_experiment(*, session: Session, experiments_dir: Path, parent: Experiment, epochs: int) -> Experiment:
    """Queue `epochs` more epochs of `parent`; raises ContinuationError with the reason."""
    if parent.status not in CONTINUABLE:
        raise ContinuationError(
            f"Experiment {parent.id} is {parent.status}; only a completed or cancelled experiment "
            "can be continued.")
    source = experiment_dir(experiments_dir, parent.id)
    absent = [name for name in START_FILES if not (source / name).is_file()]
    if absent:
        raise ContinuationError(
            f"Experiment {parent.id} kept no training state to continue from ({absent[0]} is missing); "
            "train it again, then continue it.")
    after = load_checkpoint(source).epoch
    spec = copy.deepcopy(parent.spec)
    spec["training"]["epochs"] = epochs
    if spec.get("split", {}).get("folds"):  # cross-validation trains fresh networks: not a continuation
        spec["split"]["folds"] = None

    def copy_start_files(child_id: int) -> None:
        start = experiment_dir(experiments_dir, child_id) / START_DIR
        shutil.rmtree(start.parent, ignore_errors=True)  # a deleted experiment's leftovers
        start.mkdir(parents=True)
        for name in START_FILES:
            shutil.copyfile(source / name, start / name)

    return create_continued_experiment(session=session, parent=parent, spec=spec, parent_epoch=after,
                                       epochs_total=after + epochs, prepare_files=copy_start_files)


def load_continuation(directory: Path) -> Continuation:
    """The start of a continued experiment, from its `start/` folder."""
    start = directory / START_DIR
    try:
        pipeline = FittedPipeline.from_dict(json.loads((start / PIPELINE_FILE).read_text()))
        return Continuation(load_model_dir(start), pipeline, load_checkpoint(start))
    except FileNotFoundError:
        raise ContinuationError("The model this experiment continues from is no longer there; "
                                "queue a new continuation from the original experiment.") from None
