"""The rule that keeps a sweep's test split blind: only the configuration the person
revealed shows test scores; every other run of the sweep shows validation alone."""

from __future__ import annotations

from typing import Any

from app.db.models import Experiment
from app.services.errors import ServiceError


def test_hidden(experiment: Experiment) -> bool:
    """A sweep keeps its test split blind: only the configuration the user picked shows it."""
    sweep = experiment.sweep
    return sweep is not None and experiment.sweep_config != sweep.revealed_config


def visible_metrics(experiment: Experiment) -> dict[str, Any] | None:
    if experiment.metrics is None or not test_hidden(experiment):
        return experiment.metrics
    return {split: values for split, values in experiment.metrics.items() if split != "test"}


def visible_summary(experiment: Experiment) -> dict[str, Any] | None:
    """The stored summary, less everything computed on the test split while it is blind."""
    summary = experiment.summary
    if summary is None or not test_hidden(experiment):
        return summary
    hidden = {key: value for key, value in summary.items() if key != "baseline"}
    for key in ("details", "plots"):
        hidden[key] = {split: v for split, v in (summary.get(key) or {}).items() if split != "test"}
    if summary.get("decision"):
        decision = summary["decision"]
        hidden["decision"] = {**decision, "splits": {k: v for k, v in decision["splits"].items() if k != "test"}}
    return hidden


def check_reveal(detail: dict[str, Any], config: int | None) -> None:
    """The test split is looked at once per sweep, after it has finished, for one configuration
    with a completed run: otherwise 409 (404 for a configuration the sweep does not have)."""
    if config is None:
        raise ServiceError(409, "No configuration has a completed run yet, so there is none to pick.")
    if detail["revealed_config"] is not None and detail["revealed_config"] != config:
        raise ServiceError(
            409,
            f"Configuration {detail['revealed_config']} was already picked; the test split is looked at once per "
            "sweep, so that the choice cannot be tuned to it.",
        )
    if detail["status"] in ("queued", "running"):
        raise ServiceError(
            409, "The sweep is still running; pick a configuration once it has finished (or cancel the rest)."
        )
    row = next((row for row in detail["leaderboard"] if row["config"] == config), None)
    if row is None:
        raise ServiceError(404, f"This sweep has no configuration {config}.")
    if not row["completed"]:
        raise ServiceError(409, f"Configuration {config} has no completed run to score on the test split.")
