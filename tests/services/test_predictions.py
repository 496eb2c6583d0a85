"""Prediction use cases: the trained model of an experiment, new rows, one what-if row."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Experiment
from app.services import predictions
from app.services.errors import ServiceError


def test_a_trained_model_predicts_rows_and_a_what_if(
    session: Session, settings: Settings, run_queued: Callable[[], int], queue: Callable[..., Experiment]
) -> None:
    experiment = queue()
    with pytest.raises(ServiceError) as untrained:
        predictions.trained_model(settings, experiment)
    assert untrained.value.status_code == 409
    run_queued()
    session.refresh(experiment)
    model = predictions.trained_model(settings, experiment)
    table = predictions.predict_table(model, pd.DataFrame({"size": [1, 29], "colour": ["red", "teal"]}))
    assert set(table["predicted"]) <= {"up", "down"} and len(table) == 2
    one = predictions.what_if(model, {"size": "3", "colour": "blue"})
    assert one["predicted"] in ("up", "down") and set(one["probabilities"]) == {"up", "down"}
    assert "outside the training range" in predictions.what_if(model, {"size": "99", "colour": "red"})["notes"]
