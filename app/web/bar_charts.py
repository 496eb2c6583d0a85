"""The small bar charts of the pages as chart data for static/charts.js: feature importance,
a what-if row's class probabilities, and each profiled column's sparkline. Values, names and
the texts shown beside the bars; never a coordinate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.web.number_text import significant

ROW_PIXELS = 28  # one horizontal bar and its gap
AXIS_PIXELS = 64  # the value axis and its label
SPARK_HEIGHT = 24
SPARK_BAR_PIXELS = {"histogram": 5, "top": 8}
SPARK_TOP_VALUES = 8


def _height(rows: int) -> int:
    return rows * ROW_PIXELS + AXIS_PIXELS


def importance_chart(importance: Sequence[Mapping[str, Any]], metric: str) -> dict[str, Any]:
    """Largest first; a column whose shuffling helped (below zero) drawn in the second colour."""
    names = [str(item["feature"]) for item in importance]
    values = [float(item["importance"]) for item in importance]
    texts = [
        significant(item["importance"]) + (f" ± {significant(item['std'])}" if item.get("std") else "")
        for item in importance
    ]
    described = "; ".join(f"{name}: {text}" for name, text in zip(names, texts, strict=True))
    return {
        "label": "Feature importance, largest first",
        "summary": f"Drop in validation {metric} when each column is shuffled: {described}.",
        "categories": names,
        "horizontal": True,
        "overlap": True,
        "height": _height(len(names)),
        "yLabel": f"drop in validation {metric}",
        "legend": False,
        "series": [
            {"label": "importance", "values": [v if v >= 0 else None for v in values],
             "texts": [t if v >= 0 else None for v, t in zip(values, texts, strict=True)]},
            {"label": "below zero", "colour": 1, "values": [v if v < 0 else None for v in values],
             "texts": [t if v < 0 else None for v, t in zip(values, texts, strict=True)]},
        ],
    }


def probability_chart(probabilities: Mapping[str, float]) -> dict[str, Any]:
    """Each class's probability, the likeliest first, as a percentage beside its bar."""
    ranked = sorted(probabilities.items(), key=lambda item: item[1], reverse=True)
    texts = [f"{100 * p:.1f} %" for _, p in ranked]
    return {
        "label": "Probability of each class",
        "summary": "; ".join(f"{name}: {text}" for (name, _), text in zip(ranked, texts, strict=True)) + ".",
        "categories": [name for name, _ in ranked],
        "horizontal": True,
        "labelWidth": 110,
        "height": _height(len(ranked)) - AXIS_PIXELS + 8,
        "valueAxis": False,  # each bar says its percentage
        "yLabel": "probability",
        "yRange": [0, 1.3],
        "legend": False,
        "series": [{"label": "probability", "values": [p for _, p in ranked], "texts": texts}],
    }


def spark_chart(column: Mapping[str, Any]) -> dict[str, Any] | None:
    """A column's shape in a table cell: its histogram, or the counts of its commonest values."""
    name = column["name"]
    histogram = column.get("histogram") or {}
    if histogram.get("counts"):
        counts, edges = histogram["counts"], histogram["edges"]
        return {
            "label": f"Histogram of {name} from {significant(edges[0])} to {significant(edges[-1])}",
            "edges": edges,
            "spark": True,
            "width": len(counts) * SPARK_BAR_PIXELS["histogram"],
            "height": SPARK_HEIGHT,
            "series": [{"label": "rows", "values": counts}],
        }
    top = (column.get("top") or [])[:SPARK_TOP_VALUES]
    if not top or column.get("kind") in ("id", "constant"):
        return None
    return {
        "label": f"Most common values of {name}",
        "summary": "; ".join(f"{item['value']}: {item['count']:,}" for item in top) + ".",
        "categories": [str(item["value"]) for item in top],
        "spark": True,
        "width": len(top) * SPARK_BAR_PIXELS["top"],
        "height": SPARK_HEIGHT,
        "series": [{"label": "rows", "values": [item["count"] for item in top], "colour": 8}],
    }
