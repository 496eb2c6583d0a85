"""The results page's decisions and doubts in a browser: the threshold slider driven from
the keyboard redraws the confusion matrix, and the largest-errors table follows its select.

The experiment is trained in the test's process before the page opens (the server runs no
workers): this test is about the finished results, not about live training.
"""

from __future__ import annotations

import io
import re
import threading
from typing import Any

import httpx2
import numpy as np
from playwright.sync_api import Page, expect

from app.db.session import make_engine, make_session_factory
from app.jobs.worker import WorkerContext, run_next


def _loans_csv(n: int = 600) -> str:
    rng = np.random.default_rng(7)
    debt, age = rng.normal(size=n), rng.uniform(20, 70, n)
    bad = debt + rng.normal(0, 0.9, n) > 1.5
    return "debt,age,status\n" + "".join(
        f"{d:.3f},{a:.0f},{'bad' if b else 'good'}\n" for d, a, b in zip(debt, age, bad, strict=True)
    )


def _train_queued(live_server: Any) -> None:
    engine = make_engine(live_server.settings.resolved_database_url)
    context = WorkerContext(live_server.settings, make_session_factory(engine), "test-worker", threading.Event())
    while run_next(context) is not None:
        pass
    engine.dispose()


def test_threshold_slider_and_largest_errors(page: Page, live_server: Any, screenshot: Any) -> None:
    api = httpx2.Client(base_url=live_server.url, timeout=30)
    upload = api.post("/api/datasets", files={"file": ("loans.csv", io.BytesIO(_loans_csv().encode()), "text/csv")})
    spec = {"dataset_id": upload.json()["id"], "label": "status",
            "training": {"epochs": 15, "learning_rate": 0.02, "early_stopping_patience": None}}
    experiment_id = api.post("/api/experiments", json=spec).json()["id"]
    _train_queued(live_server)
    assert api.get(f"/api/experiments/{experiment_id}").json()["status"] == "completed"

    # Start just below a threshold where a test row changes side, so one step must show.
    counts = api.get(f"/api/experiments/{experiment_id}").json()["summary"]["decision"]["splits"]["test"]
    pairs = list(zip(counts["tp"], counts["fp"], strict=True))
    step = next(i for i in range(98) if pairs[i] != pairs[i + 1])
    start = round((step + 1) / 100, 2)
    assert api.put(f"/api/experiments/{experiment_id}/threshold", json={"threshold": start}).status_code == 200
    page.goto(f"{live_server.url}/experiments/{experiment_id}")
    expect(page.locator(".badge-completed")).to_be_visible()
    slider = page.locator("#threshold-slider")
    expect(slider).to_have_value(f"{start:.2f}")
    predicted_good = page.locator('[data-cell="1-1"] .cell-count')
    expect(predicted_good).to_have_text(f"{counts['tp'][step]:,}")
    expect(page.locator('[data-cell="0-1"] .cell-count')).to_have_text(f"{counts['fp'][step]:,}")

    slider.focus()
    page.keyboard.press("ArrowRight")
    after = f"{start + 0.01:.2f}"
    expect(page.locator("#threshold-value")).to_have_text(after)
    expect(page.locator("#confusion-threshold")).to_have_text(after)
    expect(predicted_good).to_have_text(f"{counts['tp'][step + 1]:,}")
    expect(page.locator('[data-cell="0-1"] .cell-count')).to_have_text(f"{counts['fp'][step + 1]:,}")
    expect(page.locator("#threshold-metrics")).to_contain_text(f"Test rows at {after}")

    page.get_by_role("button", name="Use this threshold").click()
    # The re-rendered card says what was saved (the "Back to" button may show before the save).
    expect(page.locator("#threshold-slider")).to_have_attribute("data-saved", after)
    expect(page.get_by_role("button", name="Back to the chosen")).to_be_visible()
    expect(page.locator("#threshold-slider")).to_have_value(after)
    assert api.get(f"/api/experiments/{experiment_id}").json()["summary"]["decision"]["threshold"] == float(after)

    errors = page.locator("#largest-errors")
    expect(errors.locator("table.errors-table")).to_be_visible()
    expect(errors).to_contain_text("at the threshold " + after)
    page.locator("#errors-split").select_option("validation")
    expect(page.locator("#errors-split")).to_have_value("validation")
    first = page.locator("#largest-errors tbody tr").first
    first.locator("summary").click()
    expect(first.locator("dl.inputs-list")).to_contain_text("debt")
    calibration = page.locator("#calibration-chart")
    expect(calibration.locator("canvas")).to_be_visible()
    expect(calibration).to_have_attribute("aria-label", re.compile("Reliability diagram"))
    expect(calibration).to_have_attribute("data-points", re.compile(r"^[1-9]\d*$"))
    screenshot(page, "results-decisions")
