"""The small bar charts drawn by the one chart module: sparklines on a dataset's profile
(once scrolled into view), feature importance, a what-if row's probabilities, and each
layer's weight histogram."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TRAINING_TIMEOUT_MS


@pytest.mark.workers(1)
def test_bar_charts_are_drawn_from_their_data(page: Page, live_server: Any, screenshot: Any) -> None:
    api = httpx2.Client(base_url=live_server.url, timeout=30)
    dataset = api.post("/api/datasets/samples/iris").json()

    page.goto(f"{live_server.url}/datasets/{dataset['id']}")
    sparks = page.locator(".profile-table .spark")
    expect(sparks).to_have_count(5)
    for index in range(5):  # every column's shape, drawn as it comes into view
        spark = sparks.nth(index)
        spark.scroll_into_view_if_needed()
        expect(spark.locator("canvas")).to_be_visible()
        expect(spark).to_have_attribute("aria-label", re.compile("^(Histogram|Most common values) of "))
    expect(sparks.nth(4)).to_have_attribute("data-points", "3")  # species: three classes
    screenshot(page, "dataset-sparklines")

    spec = {"dataset_id": dataset["id"], "label": "species", "layers": [{"units": 8}],
            "training": {"epochs": 30, "learning_rate": 0.01}}
    experiment = api.post("/api/experiments", json=spec).json()
    page.goto(f"{live_server.url}/experiments/{experiment['id']}")
    expect(page.locator(".badge-completed")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    importance = page.locator("#importance-chart")
    importance.scroll_into_view_if_needed()
    expect(importance.locator("canvas")).to_be_visible()
    expect(importance).to_have_attribute("aria-label", "Feature importance, largest first")
    expect(importance).to_have_attribute("data-series", "2")
    screenshot(page, "results-importance")

    page.goto(f"{live_server.url}/experiments/{experiment['id']}/what-if")
    probabilities = page.locator("#probabilities-chart")
    expect(probabilities.locator("canvas")).to_be_visible()
    expect(probabilities).to_have_attribute("data-points", "3")
    page.locator("[name='feature-2']").fill("6.5")
    page.locator("[name='feature-2']").dispatch_event("change")
    expect(page.locator("#probabilities-chart canvas")).to_be_visible()
    screenshot(page, "what-if-probabilities")

    page.goto(f"{live_server.url}/experiments/{experiment['id']}/network")
    histograms = page.locator("td .spark")
    expect(histograms.first.locator("canvas")).to_be_visible()
    screenshot(page, "network-histograms")
