"""Inside-the-network use cases: pause, step and resume a run; its snapshots; explanations of a model."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Experiment
from app.jobs.explanations import dependence
from app.services import inspection
from app.services.errors import ServiceError


def test_pause_then_resume_a_queued_run_and_refuse_a_step(
    session: Session, queue: Callable[..., Experiment]
) -> None:
    experiment = queue()
    with pytest.raises(ServiceError) as not_paused:
        inspection.control(session, experiment, "step")
    assert not_paused.value.status_code == 409 and "paused" in not_paused.value.detail
    assert inspection.control(session, experiment, "pause").pause_control == "pause"
    assert inspection.control(session, experiment, "resume").pause_control is None


def test_snapshots_and_explanations_of_a_trained_run(
    session: Session, settings: Settings, run_queued: Callable[[], int], queue: Callable[..., Experiment]
) -> None:
    experiment = queue()
    with pytest.raises(ServiceError) as untrained:
        inspection.explain(settings, experiment, lambda model, rows: dependence(model, rows, "size", {}))
    assert untrained.value.status_code == 409
    run_queued()
    session.refresh(experiment)
    seen = inspection.inspection_of(session, experiment)
    assert seen["status"] == "completed" and seen["epochs"] and "size" in seen["inputs"]
    with pytest.raises(ServiceError) as unknown:
        inspection.explain(settings, experiment, lambda model, rows: dependence(model, rows, "ghost", {}))
    assert unknown.value.status_code == 422 and "ghost" in unknown.value.detail
    curves = inspection.explain(settings, experiment, lambda model, rows: dependence(model, rows, "size", {}))
    assert curves["feature"] == "size"
    with pytest.raises(ServiceError) as finished:
        inspection.control(session, experiment, "pause")
    assert finished.value.status_code == 409
