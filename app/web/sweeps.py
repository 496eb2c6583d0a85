"""A sweep's effect charts: the data static/charts.js draws, one chart per varied hyperparameter."""

from __future__ import annotations

from typing import Any

from app.jobs.sweeps import SPACE_LABELS


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
