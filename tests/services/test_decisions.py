"""Decision use cases: a binary experiment's threshold, and its largest errors (never on a blind test split)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Experiment
from app.services import decisions
from app.services.errors import ServiceError


def test_a_new_threshold_rescores_a_finished_binary_experiment(
    session: Session, settings: Settings, run_queued: Callable[[], int], queue: Callable[..., Experiment]
) -> None:
    experiment = queue("direction")
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
    session: Session, settings: Settings, run_queued: Callable[[], int], queue: Callable[..., Experiment]
) -> None:
    experiment = queue("colour")
    run_queued()
    session.refresh(experiment)
    before = dict(experiment.metrics)
    with pytest.raises(ServiceError) as refused:
        decisions.change_threshold(session, settings, experiment, 0.3)
    assert refused.value.status_code == 409 and "binary" in refused.value.detail
    session.refresh(experiment)
    assert experiment.metrics == before


def test_largest_errors_of_a_split(
    session: Session, settings: Settings, run_queued: Callable[[], int], queue: Callable[..., Experiment]
) -> None:
    experiment = queue("direction")
    with pytest.raises(ServiceError) as unfinished:
        decisions.errors_of(settings, experiment, "validation", 5)
    assert unfinished.value.status_code == 409
    run_queued()
    session.refresh(experiment)
    errors = decisions.errors_of(settings, experiment, "validation", 5)
    assert len(errors["rows"]) <= 5
