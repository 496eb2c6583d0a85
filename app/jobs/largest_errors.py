"""The largest errors of a finished experiment's split, as stored after training and
decided at its current threshold (data/largest_errors.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.data.largest_errors import shown_errors
from app.jobs.artifacts import LARGEST_ERRORS_FILE
from app.jobs.predictions import ModelNotAvailable, load_trained
from app.jobs.scoring import decision_threshold


def largest_errors(directory: Path, split: str, limit: int) -> dict[str, Any]:
    """{"split", "task", "threshold" (binary) or None, "rows"}; raises ModelNotAvailable."""
    path = directory / LARGEST_ERRORS_FILE
    if not path.is_file():
        raise ModelNotAvailable(f"There are no stored errors in {directory.name}.")
    pipeline = load_trained(directory).pipeline
    threshold = decision_threshold(pipeline)
    entries = json.loads(path.read_text()).get(split, [])
    rows = shown_errors(entries, pipeline.task, pipeline.label_codec.classes, threshold, limit)
    return {"split": split, "task": pipeline.task, "threshold": threshold, "rows": rows}
