"""Sweeps for the routers: start one from a request, describe one as JSON, chart its effects.

Test scores stay blind: `sweep_detail` builds the leaderboard from validation metrics,
and a test score appears only in the row of the configuration the user revealed
(`POST /api/sweeps/{id}/reveal`, once per sweep, after it has finished).
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Dataset, Experiment, ExperimentStatus, Sweep
from app.db.sweeps import SweepRunSpec, create_sweep, finished_runs, get_sweep, sweep_experiments
from app.jobs.sweep_estimates import Estimate, PastRun, data_shape, estimate
from app.jobs.sweeps import SPACE_LABELS, SweepRequest, SweepRun, config_label, effects, headline, leaderboard, spec_for
from app.services.spec_checks import over_budget, problems_with_spec
from app.specs import ExperimentSpec

METRIC_NAMES = {"accuracy": "Accuracy", "r2": "R²"}


def sweep_or_404(session: Session, sweep_id: int) -> Sweep:
    sweep = get_sweep(session=session, sweep_id=sweep_id)
    if sweep is None:
        raise HTTPException(404, f"There is no sweep {sweep_id}.")
    return sweep


def check_request(request: SweepRequest, dataset: Dataset) -> None:
    problems = problems_with_spec(request.base, dataset)
    if problems:
        raise HTTPException(422, " ".join(problems))


def sweep_estimate(session: Session, settings: Settings, request: SweepRequest, dataset: Dataset) -> Estimate:
    shape = data_shape(request.base, dataset.profile, dataset.row_count)
    past = []
    for run in finished_runs(session=session, dataset_id=dataset.id):
        try:
            past.append(PastRun(ExperimentSpec.model_validate(run.spec), run.seconds, run.epochs_done))
        except ValueError:
            continue
    return estimate(request, shape, past, settings.workers)


def check_budget(settings: Settings, request: SweepRequest, dataset: Dataset) -> None:
    """Every configuration against the limits of memory and time per epoch."""
    for values in request.configs():
        problem = over_budget(spec_for(request.base, values), dataset, settings)
        if problem:
            raise HTTPException(422, f"Configuration {config_label(values)}: {problem}")


def start_sweep(session: Session, settings: Settings, request: SweepRequest, dataset: Dataset) -> Sweep:
    check_request(request, dataset)
    check_budget(settings, request, dataset)
    guess = sweep_estimate(session, settings, request, dataset)
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


def _runs(experiments: list[Experiment] | Any) -> list[SweepRun]:
    return [
        SweepRun(
            experiment_id=e.id,
            config=e.sweep_config or 0,
            status=e.status,
            task=e.task,
            validation=headline(e.task, e.metrics, "validation"),
            test=headline(e.task, e.metrics, "test"),
        )
        for e in experiments
    ]


def sweep_status(sweep: Sweep, experiments: list[Experiment] | Any) -> str:
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
    runs = _runs(experiments)
    board = leaderboard(sweep.configs, runs, sweep.revealed_config)
    counts = {status: 0 for status in ("queued", "running", "completed", "failed", "cancelled", "interrupted")}
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
        "metric": None if task is None else ("r2" if task == "regression" else "accuracy"),
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
    return effects(sweep.configs, _runs(sweep_experiments(session=session, sweep_id=sweep.id)))


def check_reveal(detail: dict[str, Any], config: int | None) -> None:
    if config is None:
        raise HTTPException(409, "No configuration has a completed run yet, so there is none to pick.")
    if detail["revealed_config"] is not None and detail["revealed_config"] != config:
        raise HTTPException(
            409,
            f"Configuration {detail['revealed_config']} was already picked; the test split is looked at once per "
            "sweep, so that the choice cannot be tuned to it.",
        )
    if detail["status"] in ("queued", "running"):
        raise HTTPException(
            409, "The sweep is still running; pick a configuration once it has finished (or cancel the rest)."
        )
    row = next((row for row in detail["leaderboard"] if row["config"] == config), None)
    if row is None:
        raise HTTPException(404, f"This sweep has no configuration {config}.")
    if not row["completed"]:
        raise HTTPException(409, f"Configuration {config} has no completed run to score on the test split.")


def promoted_spec(sweep: Sweep, detail: dict[str, Any], config: int | None) -> tuple[int, ExperimentSpec]:
    """The spec of a configuration (the best when none is given), with the base's seed."""
    number = config if config is not None else detail["best_config"]
    if number is None:
        raise HTTPException(409, "No configuration has a completed run yet, so there is no best one to promote.")
    if not 1 <= number <= len(sweep.configs):
        raise HTTPException(404, f"This sweep has no configuration {number}.")
    return number, spec_for(ExperimentSpec.model_validate(sweep.base), sweep.configs[number - 1])


def effect_charts(effects: dict[str, list[dict[str, Any]]], metric_name: str) -> list[dict[str, Any]]:
    """One chart spec per varied hyperparameter (data only; static/charts.js draws it):
    each run's validation score as a dot above its value, the mean per value joined by a
    line. All charts share one y range, so a steep chart is a hyperparameter that matters more."""
    scores = [score for points in effects.values() for point in points for score in point["scores"]]
    low, high = (min(scores), max(scores)) if scores else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.05, high + 0.05
    pad = (high - low) * 0.08
    name = metric_name if metric_name == "R²" else metric_name.lower()
    scored = name if name.startswith("validation") else f"validation {name}"
    charts = []
    for key, points in effects.items():
        if len(points) < 2:
            continue  # one value: nothing to compare
        title = SPACE_LABELS.get(key, key)
        described = "; ".join(
            f"{p['label']}: {'no run yet' if p['mean'] is None else format(p['mean'], '.3g')}" for p in points
        )
        runs = [(index, score) for index, point in enumerate(points) for score in point["scores"]]
        charts.append({
            "key": key,
            "title": title,
            "runs": len(runs),
            "spec": {
                "label": f"{scored[0].upper()}{scored[1:]} by {title}",
                "summary": f"Mean {scored} by {title}: {described}.",
                "xLabel": title,
                "yLabel": scored,
                "categories": [str(p["label"]) for p in points],
                "yRange": [low - pad, high + pad],
                "height": 200,
                "legend": True,
                "series": [
                    {"label": "run", "kind": "points", "colour": 1,
                     "x": [index for index, _ in runs], "y": [score for _, score in runs]},
                    {"label": "mean", "kind": "both", "dash": True, "colour": 0,
                     "x": list(range(len(points))), "y": [p["mean"] for p in points]},
                ],
            },
        })
    return charts
