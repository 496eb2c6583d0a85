"""Decision use cases: a binary experiment's threshold, and its largest errors (never on a blind test split)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Experiment
from app.services import datasets, decisions, experiments
from app.services.errors import ServiceError
from app.specs import ExperimentSpec

CSV = "size,colour,direction\n" + "".join(
    f"{i % 30},{['red', 'blue', 'green'][i % 3]},{'up' if i % 30 >= 15 else 'down'}\n" for i in range(90)
)


def _queue(session: Session, settings: Settings, label: str) -> Experiment:
    path = settings.datasets_dir / f"upload-{label}.part"
    path.write_text(CSV)
    dataset = datasets.add_file(session, settings, path, "d.csv")
    spec = ExperimentSpec.model_validate({"dataset_id": dataset.id, "label": label, "training": {"epochs": 2}})
    return experiments.queue_experiment(session, settings, dataset, spec)


def test_a_new_threshold_rescores_a_finished_binary_experiment(
    session: Session, settings: Settings, run_queued: Callable[[], int]
) -> None:
    experiment = _queue(session, settings, "direction")
    with pytest.raises(ServiceError) as unfinished:
        decisions.change_threshold(session, settings, experiment, 0.3)
    assert unfinished.value.status_code == 409 and "no finished results" in unfinished.value.detail
    assert run_queued() == 1
    session.refresh(experiment)
    decisions.change_threshold(session, settings, experiment, 0.01)
    session.expire_all()
    assert experiment.summary["decision"]["threshold"] == 0.01  # stored, not only returned
    kinds = [warning["kind"] for warning in experiment.summary["warnings"]]
    assert "constant_prediction" in kinds  # from 0.01 on, every row is the positive class


def test_only_a_binary_experiment_has_a_threshold(
    session: Session, settings: Settings, run_queued: Callable[[], int]
) -> None:
    experiment = _queue(session, settings, "colour")
    run_queued()
    session.refresh(experiment)
    before = dict(experiment.metrics)
    with pytest.raises(ServiceError) as refused:
        decisions.change_threshold(session, settings, experiment, 0.3)
    assert refused.value.status_code == 409 and "binary" in refused.value.detail
    session.refresh(experiment)
    assert experiment.metrics == before


def test_largest_errors_of_a_split(session: Session, settings: Settings, run_queued: Callable[[], int]) -> None:
    experiment = _queue(session, settings, "direction")
    with pytest.raises(ServiceError) as unfinished:
        decisions.errors_of(settings, experiment, "validation", 5)
    assert unfinished.value.status_code == 409
    run_queued()
    session.refresh(experiment)
    errors = decisions.errors_of(settings, experiment, "validation", 5)
    assert len(errors["rows"]) <= 5
