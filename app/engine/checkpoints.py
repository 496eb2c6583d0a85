"""Where training stood after an epoch, to carry on later as if it had never stopped.

A checkpoint holds the optimizer's moving averages (and step count), the state of
the random generator that shuffles the rows and draws dropout masks, and the
learning rate; the weights themselves are saved with the model. On disk it is
``optimizer.npz`` (plain arrays, loaded with ``allow_pickle=False``) and
``checkpoint.json`` (the epoch, the generator's state, the learning rate).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.engine.optimizers import Optimizer

OPTIMIZER_FILE = "optimizer.npz"
CHECKPOINT_FILE = "checkpoint.json"
_STEP = "t"  # the optimizer's step count: a number, saved as a 0-d array


@dataclass(frozen=True)
class TrainingCheckpoint:
    """After ``epoch`` (counted over the whole lineage): optimizer arrays by attribute
    name, the random generator's ``bit_generator.state`` and the learning rate."""

    epoch: int
    optimizer: dict[str, np.ndarray]
    rng_state: dict[str, Any]
    learning_rate: float


def capture(optimizer: Optimizer, rng: np.random.Generator, epoch: int) -> TrainingCheckpoint:
    """A copy of the optimizer's state and the generator's, as they are now."""
    arrays = {name: value.copy() for name, value in optimizer.state_arrays().items()}
    arrays[_STEP] = np.asarray(optimizer.t, dtype=np.int64)
    return TrainingCheckpoint(epoch, arrays, rng.bit_generator.state, optimizer.learning_rate)


def restore(checkpoint: TrainingCheckpoint, optimizer: Optimizer, rng: np.random.Generator) -> None:
    """Put the optimizer and the generator back where the checkpoint was taken."""
    for name, array in checkpoint.optimizer.items():
        current = getattr(optimizer, name, None)
        if name == _STEP:
            setattr(optimizer, name, int(array))
        elif not isinstance(current, np.ndarray) or current.shape != array.shape:
            raise ValueError(f"The saved optimizer state {name!r} does not fit this optimizer.")
        else:
            current[...] = array
    rng.bit_generator.state = checkpoint.rng_state
    optimizer.learning_rate = float(checkpoint.learning_rate)


def save_checkpoint(checkpoint: TrainingCheckpoint, directory: str | Path) -> None:
    directory = Path(directory)
    buffer = io.BytesIO()
    np.savez(buffer, **checkpoint.optimizer)
    (directory / OPTIMIZER_FILE).write_bytes(buffer.getvalue())
    (directory / CHECKPOINT_FILE).write_text(json.dumps({
        "epoch": checkpoint.epoch, "rng_state": checkpoint.rng_state, "learning_rate": checkpoint.learning_rate}))


def load_checkpoint(directory: str | Path) -> TrainingCheckpoint:
    """What ``save_checkpoint`` wrote; FileNotFoundError when there is none."""
    directory = Path(directory)
    meta = json.loads((directory / CHECKPOINT_FILE).read_text())
    with np.load(directory / OPTIMIZER_FILE, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return TrainingCheckpoint(int(meta["epoch"]), arrays, meta["rng_state"], float(meta["learning_rate"]))
