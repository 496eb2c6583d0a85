"""Open a finished experiment's results, download its predictions and its model, and run
the downloaded predict.py: it must agree with LayerLab."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect


@pytest.mark.workers(1)
def test_results_downloads_and_portable_model(page: Page, live_server: Any, tmp_path: Path, screenshot: Any) -> None:
    api = httpx2.Client(base_url=live_server.url, timeout=30)
    dataset = api.post("/api/datasets/samples/iris").json()
    spec = {
        "dataset_id": dataset["id"],
        "label": "species",
        "layers": [{"units": 16}],
        "training": {"epochs": 60, "learning_rate": 0.01},
    }
    experiment = api.post("/api/experiments", json=spec).json()

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/experiments/{experiment['id']}")
    expect(page.locator(".badge-completed")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Confusion matrix")).to_be_visible()
    roc = page.locator("#roc-chart")
    expect(roc.locator("canvas")).to_be_visible()
    expect(roc).to_have_attribute("aria-label", re.compile("ROC curve"))
    expect(roc).to_have_attribute("data-points", re.compile(r"^[1-9]\d*$"))
    # The charts draw what the server rendered with the results: no second request for it.
    assert f"{live_server.url}/api/experiments/{experiment['id']}" not in requested
    expect(page.locator(".verdict")).to_contain_text("logistic regression", ignore_case=True)
    screenshot(page, "results")

    with page.expect_download() as predictions_download:
        page.get_by_role("button", name="Download predictions").click()
    predictions = list(csv.DictReader(io.StringIO(Path(predictions_download.value.path()).read_text())))
    assert len(predictions) == 150
    assert {"row", "split", "actual", "predicted", "probability: setosa"} <= set(predictions[0])

    with page.expect_download() as model_download:
        page.get_by_role("button", name="Download model").click()
    folder = tmp_path / "model"
    zipfile.ZipFile(model_download.value.path()).extractall(folder)
    new_rows = tmp_path / "new.csv"
    new_rows.write_text(
        "sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n"
    )
    output = tmp_path / "out.csv"
    subprocess.run([sys.executable, str(folder / "predict.py"), str(new_rows), str(output)], check=True, timeout=60)
    standalone = list(csv.DictReader(output.open()))
    with new_rows.open("rb") as handle:
        served = api.post(
            f"/api/experiments/{experiment['id']}/predict", files={"file": ("new.csv", handle, "text/csv")}
        )
    layerlab = list(csv.DictReader(io.StringIO(served.text)))
    assert [row["predicted"] for row in standalone] == [row["predicted"] for row in layerlab]
    for ours, theirs in zip(standalone, layerlab, strict=True):
        assert abs(float(ours["probability: setosa"]) - float(theirs["probability: setosa"])) < 1e-6

    page.get_by_role("button", name="What if…").click()
    expect(page.locator(".prediction")).to_have_text("setosa")
    page.get_by_label("petal length (cm)").fill("6.0")
    page.get_by_label("petal width (cm)").fill("2.4")
    expect(page.locator(".prediction")).to_have_text("virginica")
    screenshot(page, "what-if")
