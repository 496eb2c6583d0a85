"""Inside-the-network use cases: pause, step and resume a run; its snapshots; explanations of a model."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Experiment
from app.jobs.explanations import dependence
from app.services import datasets, experiments, inspection
from app.services.errors import ServiceError
from app.specs import ExperimentSpec

CSV = "size,colour,direction\n" + "".join(
    f"{i % 30},{['red', 'blue', 'green'][i % 3]},{'up' if i % 30 >= 15 else 'down'}\n" for i in range(60)
)


def _queue(session: Session, settings: Settings) -> Experiment:
    path = settings.datasets_dir / "upload-inspect.part"
    path.write_text(CSV)
    dataset = datasets.add_file(session, settings, path, "d.csv")
    spec = ExperimentSpec.model_validate({"dataset_id": dataset.id, "label": "direction", "training": {"epochs": 2}})
    return experiments.queue_experiment(session, settings, dataset, spec)


def test_pause_then_resume_a_queued_run_and_refuse_a_step(session: Session, settings: Settings) -> None:
    experiment = _queue(session, settings)
    with pytest.raises(ServiceError) as not_paused:
        inspection.control(session, experiment, "step")
    assert not_paused.value.status_code == 409 and "paused" in not_paused.value.detail
    assert inspection.control(session, experiment, "pause").pause_control == "pause"
    assert inspection.control(session, experiment, "resume").pause_control is None


def test_snapshots_and_explanations_of_a_trained_run(
    session: Session, settings: Settings, run_queued: Callable[[], int]
) -> None:
    experiment = _queue(session, settings)
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
