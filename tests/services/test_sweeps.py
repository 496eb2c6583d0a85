"""Sweep use cases: start (every configuration checked), cancel, reveal once, promote like any experiment."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Dataset, Experiment, Sweep
from app.db.sweeps import sweep_experiments
from app.jobs.budget import training_cost
from app.jobs.sweep_estimates import data_shape
from app.jobs.sweeps import SweepRequest, spec_for
from app.services import datasets, sweep_blinding, sweeps
from app.services.errors import ServiceError

CSV = "x1,x2,kind\n" + "".join(
    f"{(2 if i % 2 else -2) + (i % 5) * 0.3:.2f},{(i % 3) * 0.4:.2f},{'round' if i % 2 else 'square'}\n"
    for i in range(60)
)


@pytest.fixture
def dataset(session: Session, settings: Settings) -> Dataset:
    path = settings.datasets_dir / "upload-sweep.part"
    path.write_text(CSV)
    return datasets.add_file(session, settings, path, "blobs.csv")


def _request(dataset: Dataset, **changes: Any) -> SweepRequest:
    body: dict[str, Any] = {
        "base": {"dataset_id": dataset.id, "label": "kind", "layers": [{"units": 4}], "training": {"epochs": 3}},
        "space": {"units": [2, 8]},
        "repeats": 2,
    }
    return SweepRequest.model_validate(body | changes)


def _finish(session: Session, sweep: Sweep, validation: dict[int, float]) -> None:
    """Every run completes, each configuration with its validation accuracy (test: 0.5)."""
    for experiment in sweep_experiments(session=session, sweep_id=sweep.id):
        experiment.status, experiment.task = "completed", "binary"
        score = validation[experiment.sweep_config or 0]
        experiment.metrics = {"validation": {"accuracy": score}, "test": {"accuracy": 0.5}}
    session.commit()


def test_start_queues_every_run_of_every_configuration(session: Session, settings: Settings, dataset: Dataset) -> None:
    sweep = sweeps.start_sweep(session, settings, _request(dataset), dataset)
    runs = sweep_experiments(session=session, sweep_id=sweep.id)
    assert [(e.sweep_config, e.status) for e in runs] == [(1, "queued"), (2, "queued")] * 2
    assert [e.spec["layers"][0]["units"] for e in runs] == [2, 8, 2, 8]


def test_start_checks_each_configuration_like_a_new_experiment(
    session: Session, settings: Settings, dataset: Dataset
) -> None:
    """A configuration too large to train here is refused by name, and no run of the sweep is stored."""
    request = _request(dataset, space={"units": [2, 4096]})
    shape = data_shape(request.base, dataset.profile, dataset.row_count)
    small, large = (training_cost(spec_for(request.base, {"units": u}), shape).memory_mb for u in (2, 4096))
    tight = settings.model_copy(update={"max_model_memory_mb": (small + large) / 2})
    with pytest.raises(ServiceError) as refused:
        sweeps.start_sweep(session, tight, request, dataset)
    assert refused.value.status_code == 422
    assert refused.value.detail.startswith("Configuration units per layer 4096: This network needs about")
    assert session.scalars(select(Sweep)).all() == [] and session.scalars(select(Experiment)).all() == []
    with pytest.raises(ServiceError, match='The label "nope" is not a column'):
        sweeps.start_sweep(session, settings, _request(dataset, base={"dataset_id": dataset.id, "label": "nope"}),
                           dataset)


def test_cancel_stops_the_queued_runs(session: Session, settings: Settings, dataset: Dataset) -> None:
    sweep = sweeps.cancel(session, sweeps.start_sweep(session, settings, _request(dataset), dataset))
    assert {e.status for e in sweep_experiments(session=session, sweep_id=sweep.id)} == {"cancelled"}
    assert sweeps.sweep_detail(session, sweep)["status"] == "cancelled"


def test_reveal_is_once_per_finished_sweep(session: Session, settings: Settings, dataset: Dataset) -> None:
    sweep = sweeps.start_sweep(session, settings, _request(dataset), dataset)
    with pytest.raises(ServiceError) as running:
        sweeps.reveal(session, sweep, 1)
    assert running.value.status_code == 409 and sweep.revealed_config is None
    _finish(session, sweep, {1: 0.7, 2: 0.9})
    runs = sweep_experiments(session=session, sweep_id=sweep.id)
    assert all(sweep_blinding.test_hidden(e) and "test" not in (sweep_blinding.visible_metrics(e) or {}) for e in runs)
    with pytest.raises(ServiceError) as missing:
        sweeps.reveal(session, sweep, 3)
    assert missing.value.status_code == 404
    sweeps.reveal(session, sweep, None)  # the best on validation
    assert sweep.revealed_config == 2
    assert [sweep_blinding.test_hidden(e) for e in runs] == [True, False, True, False]
    assert sweeps.sweep_detail(session, sweep)["leaderboard"][0]["test_mean"] == 0.5
    with pytest.raises(ServiceError) as again:
        sweeps.reveal(session, sweep, 1)
    assert again.value.status_code == 409 and "already picked" in again.value.detail
    assert sweep.revealed_config == 2


def test_promote_queues_the_best_configuration_checked_like_any_experiment(
    session: Session, settings: Settings, dataset: Dataset
) -> None:
    sweep = sweeps.start_sweep(session, settings, _request(dataset), dataset)
    with pytest.raises(ServiceError) as unfinished:
        sweeps.promote(session, settings, sweep, None)
    assert unfinished.value.status_code == 409
    _finish(session, sweep, {1: 0.9, 2: 0.7})
    with pytest.raises(ServiceError) as missing:
        sweeps.promote(session, settings, sweep, 5)
    assert missing.value.status_code == 404
    experiment = sweeps.promote(session, settings, sweep, None)
    assert experiment.status == "queued" and experiment.sweep_id is None
    assert experiment.spec["layers"][0]["units"] == 2 and experiment.spec["training"]["seed"] == 0
    tight = settings.model_copy(update={"max_model_memory_mb": 1e-6})
    with pytest.raises(ServiceError) as too_large:
        sweeps.promote(session, tight, sweep, 2)
    assert too_large.value.status_code == 422 and "LAYERLAB_MAX_MODEL_MEMORY_MB" in too_large.value.detail
