"""Sweep use cases: start one (every configuration checked like any new experiment), estimate
it, cancel it, reveal one configuration's test scores, promote one to a normal experiment;
and the sweep as the routers show it, its leaderboard blind on test (`sweep_blinding.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.config import Settings
from app.data.evaluation import headline_metric, headline_score
from app.db.models import Dataset, Experiment, ExperimentStatus, Sweep
from app.db.sweeps import SweepRunSpec, cancel_sweep, create_sweep, finished_runs, reveal_config, sweep_experiments
from app.jobs.sweep_estimates import Estimate, PastRun, data_shape, estimate
from app.jobs.sweeps import SweepRequest, SweepRun, config_label, effects, leaderboard, spec_for
from app.services.errors import ServiceError
from app.services.experiments import queue_experiment, spec_problems
from app.services.spec_checks import problems_with_spec
from app.services.sweep_blinding import check_reveal
from app.specs import ExperimentSpec

STATUS_COUNTS = ("queued", "running", "completed", "failed", "cancelled", "interrupted")


def check_request(request: SweepRequest, dataset: Dataset, settings: Settings) -> None:
    """The base against the dataset, then each configuration's spec as `queue_experiment`
    checks it (the profile and the budget); 422 naming the first configuration that fails."""
    problems = problems_with_spec(request.base, dataset)
    if problems:
        raise ServiceError(422, " ".join(problems))
    for values in request.configs():
        problems = spec_problems(spec_for(request.base, values), dataset, settings)
        if problems:
            raise ServiceError(422, f"Configuration {config_label(values)}: {' '.join(problems)}")


def estimate_sweep(session: Session, settings: Settings, request: SweepRequest, dataset: Dataset) -> Estimate:
    """How many experiments and about how long, from the profile and this dataset's past runs."""
    shape = data_shape(request.base, dataset.profile, dataset.row_count)
    past = []
    for run in finished_runs(session=session, dataset_id=dataset.id):
        try:
            past.append(PastRun(ExperimentSpec.model_validate(run.spec), run.seconds, run.epochs_done))
        except ValueError:
            continue
    return estimate(request, shape, past, settings.workers)


def start_sweep(session: Session, settings: Settings, request: SweepRequest, dataset: Dataset) -> Sweep:
    """Check every configuration, then queue every run of the sweep; 422 (nothing stored) when one fails."""
    check_request(request, dataset, settings)
    guess = estimate_sweep(session, settings, request, dataset)
    runs = [
        SweepRunSpec(config=number, spec=spec.model_dump(mode="json"), epochs=spec.training.epochs)
        for number, spec in request.experiment_specs()
    ]
    return create_sweep(
        session=session,
        dataset=dataset,
        base=request.base.model_dump(mode="json"),
        space=request.space.model_dump(mode="json", exclude_none=True),
        strategy=request.strategy,
        samples=request.samples if request.strategy == "random" else None,
        repeats=request.repeats,
        configs=request.configs(),
        runs=runs,
        estimate_seconds=round(guess.seconds, 1),
    )


def cancel(session: Session, sweep: Sweep) -> Sweep:
    """Queued runs are cancelled at once, running ones at their next check."""
    cancel_sweep(session=session, sweep=sweep)
    return sweep


def reveal(session: Session, sweep: Sweep, config: int | None) -> Sweep:
    """Show one finished configuration's test scores (the best when none is given), once per sweep."""
    detail = sweep_detail(session, sweep)
    number = config if config is not None else detail["best_config"]
    check_reveal(detail, number)
    reveal_config(session=session, sweep=sweep, config=number)  # type: ignore[arg-type]
    return sweep


def promoted_spec(sweep: Sweep, best_config: int | None, config: int | None) -> ExperimentSpec:
    """The spec of a configuration (the best when none is given), with the base's seed."""
    number = config if config is not None else best_config
    if number is None:
        raise ServiceError(409, "No configuration has a completed run yet, so there is no best one to promote.")
    if not 1 <= number <= len(sweep.configs):
        raise ServiceError(404, f"This sweep has no configuration {number}.")
    return spec_for(ExperimentSpec.model_validate(sweep.base), sweep.configs[number - 1])


def promote(session: Session, settings: Settings, sweep: Sweep, config: int | None) -> Experiment:
    """Queue a configuration (the best by default) as a normal experiment, checked like any other."""
    spec = promoted_spec(sweep, sweep_detail(session, sweep)["best_config"], config)
    return queue_experiment(session, settings, sweep.dataset, spec)


def _runs(experiments: Sequence[Experiment]) -> list[SweepRun]:
    return [
        SweepRun(
            experiment_id=e.id,
            config=e.sweep_config or 0,
            status=e.status,
            task=e.task,
            validation=headline_score(e.task, e.metrics, "validation"),
            test=headline_score(e.task, e.metrics, "test"),
        )
        for e in experiments
    ]


def sweep_status(sweep: Sweep, experiments: Sequence[Experiment]) -> str:
    statuses = [e.status for e in experiments]
    if any(status in ExperimentStatus.ACTIVE for status in statuses):
        started = any(status != ExperimentStatus.QUEUED for status in statuses)
        return "running" if started else "queued"
    if sweep.cancel_requested:
        return "cancelled"
    if statuses and ExperimentStatus.COMPLETED not in statuses:
        return "failed"  # not one run finished well: nothing to rank
    return "completed"


def sweep_summary(session: Session, sweep: Sweep) -> dict[str, Any]:
    experiments = sweep_experiments(session=session, sweep_id=sweep.id)
    board = leaderboard(sweep.configs, _runs(experiments), None)
    best = board[0] if board and board[0]["best"] else None
    return {
        "id": sweep.id,
        "dataset_id": sweep.dataset_id,
        "dataset_name": sweep.dataset.name,
        "status": sweep_status(sweep, experiments),
        "strategy": sweep.strategy,
        "configs": len(sweep.configs),
        "repeats": sweep.repeats,
        "done": sum(e.status in ExperimentStatus.FINISHED for e in experiments),
        "total": len(experiments),
        "best_validation": best["validation_mean"] if best else None,
        "created_at": sweep.created_at.isoformat(),
    }


def sweep_detail(session: Session, sweep: Sweep) -> dict[str, Any]:
    """Status, progress and the leaderboard; no test score but the revealed configuration's."""
    experiments = list(sweep_experiments(session=session, sweep_id=sweep.id))
    board = leaderboard(sweep.configs, _runs(experiments), sweep.revealed_config)
    counts = dict.fromkeys(STATUS_COUNTS, 0)
    for e in experiments:
        counts[e.status] = counts.get(e.status, 0) + 1
    task = next((e.task for e in experiments if e.task), None)
    return {
        "id": sweep.id,
        "dataset_id": sweep.dataset_id,
        "status": sweep_status(sweep, experiments),
        "strategy": sweep.strategy,
        "samples": sweep.samples,
        "repeats": sweep.repeats,
        "base": sweep.base,
        "space": sweep.space,
        "task": task,
        "metric": None if task is None else headline_metric(task),
        "progress": {"done": sum(e.status in ExperimentStatus.FINISHED for e in experiments),
                     "total": len(experiments), **counts},
        "estimate_seconds": sweep.estimate_seconds,
        "best_config": next((row["config"] for row in board if row["best"]), None),
        "revealed_config": sweep.revealed_config,
        "leaderboard": board,
        "experiment_ids": [e.id for e in experiments],
        "created_at": sweep.created_at.isoformat(),
    }


def sweep_effects(session: Session, sweep: Sweep) -> dict[str, list[dict[str, Any]]]:
    """Per varied hyperparameter, its values with the validation scores of their runs."""
    return effects(sweep.configs, _runs(sweep_experiments(session=session, sweep_id=sweep.id)))
