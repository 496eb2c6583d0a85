"""Charts one way: pages embed chart data (JSON in data- attributes), never coordinates or
SVG charts, and every chart is drawn by static/charts.js."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient

from app.web.sweeps import effect_charts

ROOT = Path(__file__).resolve().parents[2]
CSV = "size,colour,kind\n" + "".join(
    f"{i % 20},{['red', 'blue', 'green'][i % 3]},{'big' if i % 20 >= 10 else 'small'}\n" for i in range(120)
)


def attribute_json(html: str, element_id: str, name: str) -> object:
    """The JSON an element carries in a single-quoted data- attribute (as Jinja's tojson writes it)."""
    found = re.search(rf'id="{element_id}"[^>]*?{name}=\'([^\']*)\'', html)
    assert found, f"#{element_id} has no {name}"
    return json.loads(unescape(found.group(1)))


def test_results_embed_the_data_their_charts_draw(client: TestClient, run_queued: Callable[[], int]) -> None:
    dataset_id = client.post("/api/datasets", files={"file": ("k.csv", io.BytesIO(CSV.encode()), "text/csv")}).json()
    spec = {"dataset_id": dataset_id["id"], "label": "kind", "layers": [{"units": 8}], "training": {"epochs": 10}}
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    run_queued()
    summary = client.get(f"/api/experiments/{experiment_id}").json()["summary"]
    for split in ("validation", "train"):
        html = client.get(f"/experiments/{experiment_id}/results?split={split}", headers={"hx-request": "true"}).text
        data = attribute_json(html, "details", "data-results")
        assert data == {"details": summary["details"][split], "plots": summary["plots"][split]}
        assert data["details"]["roc"][0]["fpr"] and 'id="roc-chart"' in html


def test_effect_charts_are_data_not_coordinates() -> None:
    effects = {
        "units": [{"label": "4", "scores": [0.5, 0.7], "mean": 0.6}, {"label": "8", "scores": [0.9], "mean": 0.9}],
        "dropout": [{"label": "0", "scores": [0.8], "mean": 0.8}],  # one value: no chart
    }
    [chart] = effect_charts(effects, "Accuracy")
    spec = chart["spec"]
    assert chart["key"] == "units" and chart["runs"] == 3 and spec["categories"] == ["4", "8"]
    runs, means = spec["series"]
    assert list(zip(runs["x"], runs["y"], strict=True)) == [(0, 0.5), (0, 0.7), (1, 0.9)]
    assert means["y"] == [0.6, 0.9]
    low, high = spec["yRange"]  # shared by every chart: the scores' range with a margin
    assert low < 0.5 and 0.9 < high < 1.0
    assert "4: 0.6; 8: 0.9" in spec["summary"]


def test_no_chart_is_drawn_outside_the_chart_module() -> None:
    for script in (ROOT / "static").glob("*.js"):
        if script.name != "charts.js":
            assert "new uPlot(" not in script.read_text(), f"{script.name} builds its own uPlot chart"
    for template in (ROOT / "templates").glob("*.html"):
        text = template.read_text()
        assert "<polyline" not in text and "run-dot" not in text, f"{template.name} draws a chart in SVG"
