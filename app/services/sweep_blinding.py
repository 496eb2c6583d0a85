"""The rule that keeps a sweep's test split blind: only the configuration the person
revealed shows test scores; every other run of the sweep shows validation alone."""

from __future__ import annotations

from typing import Any

from app.db.models import Experiment


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
