"""The small bar charts (feature importance, a what-if row's probabilities, each column's
sparkline, a layer's weight histogram) are drawn by static/charts.js from data the server
sends: names, values and texts, never a coordinate or a hand-drawn bar."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from app.web.bar_charts import importance_chart, probability_chart, spark_chart
from tests.web.test_chart_data import attribute_json

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = {"_network_diagram.html"}  # boxes of a network, not a chart
CSV = "size,colour,kind\n" + "".join(
    f"{i % 20 + 0.5},{['red', 'blue', 'green'][i % 3]},{'big' if i % 20 >= 10 else 'small'}\n" for i in range(120)
)


def test_importance_is_names_values_and_texts() -> None:
    chart = importance_chart(
        [{"feature": "size", "importance": 0.31, "std": 0.02}, {"feature": "colour", "importance": -0.004}], "accuracy"
    )
    assert chart["categories"] == ["size", "colour"] and chart["horizontal"] and chart["overlap"]
    helps, noise = chart["series"]
    assert helps["values"] == [0.31, None] and noise["values"] == [None, -0.004]  # below zero: its own colour
    assert helps["texts"] == ["0.310 ± 0.0200", None] and noise["texts"] == [None, "-0.00400"]
    assert "size: 0.310 ± 0.0200; colour: -0.00400" in chart["summary"]


def test_probabilities_likeliest_first_and_sparklines() -> None:
    chart = probability_chart({"cat": 0.2, "dog": 0.8})
    assert chart["categories"] == ["dog", "cat"] and chart["series"][0]["values"] == [0.8, 0.2]
    assert chart["series"][0]["texts"] == ["80.0 %", "20.0 %"]
    numbers = {"name": "age", "kind": "numeric", "histogram": {"counts": [1, 4, 2], "edges": [0, 1, 2, 3]}}
    histogram = spark_chart(numbers)
    assert histogram is not None and histogram["edges"] == [0, 1, 2, 3]
    assert histogram["series"][0]["values"] == [1, 4, 2] and histogram["spark"]
    top = spark_chart({"name": "city", "kind": "categorical", "top": [{"value": "Oslo", "count": 9}]})
    assert top is not None and top["categories"] == ["Oslo"] and top["series"][0]["values"] == [9]
    assert spark_chart({"name": "id", "kind": "id", "top": [{"value": "a", "count": 1}]}) is None


def test_no_bar_is_drawn_by_hand() -> None:
    for template in (ROOT / "templates").glob("*.html"):
        if template.name not in DIAGRAMS:
            assert "<rect" not in template.read_text(), f"{template.name} draws bars in SVG"
    for script in (ROOT / "static").glob("*.js"):
        assert 'class: "bar"' not in script.read_text(), f"{script.name} draws bars in SVG"


def test_pages_carry_the_bar_charts_data(client: TestClient, run_queued: Callable[[], int]) -> None:
    dataset = client.post("/api/datasets", files={"file": ("k.csv", io.BytesIO(CSV.encode()), "text/csv")}).json()
    page = client.get(f"/datasets/{dataset['id']}").text
    sparks = re.findall(r"data-chart=\"bar\" data-chart-lazy data-chart-spec='", page)
    assert len(sparks) == 3 and "charts.js" in page
    spec = {"dataset_id": dataset["id"], "label": "kind", "layers": [{"units": 8}], "training": {"epochs": 10}}
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    run_queued()
    results = client.get(f"/experiments/{experiment_id}/results?split=validation", headers={"hx-request": "true"}).text
    importance = attribute_json(results, "importance-chart", "data-chart-spec")
    assert isinstance(importance, dict) and set(importance["categories"]) == {"size", "colour"}
    what_if = client.post(f"/experiments/{experiment_id}/what-if", data={"feature-0": "3", "feature-1": "red"},
                          headers={"hx-request": "true"}).text
    probabilities = attribute_json(what_if, "probabilities-chart", "data-chart-spec")
    assert isinstance(probabilities, dict) and set(probabilities["categories"]) == {"big", "small"}
