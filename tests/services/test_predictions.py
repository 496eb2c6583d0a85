"""Prediction use cases: the trained model of an experiment, new rows, one what-if row."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.services import datasets, experiments, predictions
from app.services.errors import ServiceError
from app.specs import ExperimentSpec

CSV = "size,colour,direction\n" + "".join(
    f"{i % 30 + 0.5},{['red', 'blue', 'green'][i % 3]},{'up' if i % 30 >= 15 else 'down'}\n" for i in range(60)
)


def test_a_trained_model_predicts_rows_and_a_what_if(
    session: Session, settings: Settings, run_queued: Callable[[], int]
) -> None:
    path = settings.datasets_dir / "upload-predict.part"
    path.write_text(CSV)
    dataset = datasets.add_file(session, settings, path, "d.csv")
    spec = ExperimentSpec.model_validate({"dataset_id": dataset.id, "label": "direction", "training": {"epochs": 2}})
    experiment = experiments.queue_experiment(session, settings, dataset, spec)
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
