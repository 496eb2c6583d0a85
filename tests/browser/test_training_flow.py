"""Build a two-layer network in the browser, train it, and watch the curves grow live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TRAINING_TIMEOUT_MS


def spirals_csv(path: Path, rows: int = 3000) -> None:
    """Two interleaved classes with a little noise: learnable, but not in one epoch."""
    rng = np.random.default_rng(1)
    lines = ["radius_x,radius_y,noise,arm"]
    for index in range(rows):
        arm = index % 2
        t = rng.uniform(0.5, 3.0)
        x = t * np.cos(t + arm * np.pi) + rng.normal(0, 0.1)
        y = t * np.sin(t + arm * np.pi) + rng.normal(0, 0.1)
        lines.append(f"{x:.4f},{y:.4f},{rng.normal():.4f},{'left' if arm else 'right'}")
    path.write_text("\n".join(lines) + "\n")


def settled(page: Page) -> None:
    """Wait until the builder has re-rendered after the last change, as a person would."""
    page.wait_for_function("() => !document.querySelector('#builder.htmx-request')")


@pytest.mark.workers(1)
def test_build_train_and_watch(page: Page, live_server: Any, tmp_path: Path, screenshot: Any) -> None:
    csv_path = tmp_path / "spirals.csv"
    spirals_csv(csv_path)
    page.goto(live_server.url)
    page.get_by_label("Data file").set_input_files(str(csv_path))
    expect(page.get_by_role("heading", name="spirals.csv")).to_be_visible()
    page.get_by_role("button", name="New experiment").click()

    expect(page.get_by_label("Label column")).to_have_value("arm")
    expect(page.locator("#task-explanation")).to_contain_text("binary classification")
    # Two hidden layers, shaped with the keyboard-reachable controls.
    while page.locator(".layer-row").count() < 2:
        page.get_by_role("button", name="+ Add layer").click()
        settled(page)
    while page.locator(".layer-row").count() > 2:
        page.get_by_role("button", name="Remove layer 3").click()
        settled(page)
    expect(page.locator(".layer-row")).to_have_count(2)
    page.get_by_label("Layer 1 units").fill("32")
    page.get_by_label("Layer 1 units").press("Tab")
    settled(page)
    expect(page.locator("#network-diagram")).to_contain_text("32 relu")
    # Long enough (a few seconds) that the page sees the curves grow in several steps.
    page.get_by_label("Batch size").fill("8")
    page.get_by_label("Batch size").press("Tab")
    settled(page)
    page.get_by_label("Epochs", exact=True).fill("120")
    page.get_by_label("Epochs", exact=True).press("Tab")
    settled(page)
    page.get_by_label("Early-stopping patience").fill("")
    page.get_by_label("Early-stopping patience").press("Tab")
    settled(page)
    expect(page.get_by_label("Early-stopping patience")).to_have_value("")
    screenshot(page, "builder")
    page.get_by_role("button", name="Train").click()

    expect(page).to_have_url(f"{live_server.url}/experiments/1")
    progress = page.locator("#epoch-progress")
    # The chart has received points at least twice before training ended.
    page.wait_for_function(
        "() => { const p = document.getElementById('epoch-progress'); return p.value >= 2 && p.value < p.max; }",
        timeout=TRAINING_TIMEOUT_MS,
    )
    first_seen = int(progress.get_attribute("value") or "0")
    page.wait_for_function(f"() => document.getElementById('epoch-progress').value > {first_seen}")
    screenshot(page, "training-live")

    expect(page.locator(".badge-completed")).to_be_visible(timeout=120_000)
    expect(page.locator(".metrics-table")).to_be_visible()
    expect(page.locator(".metrics-table tbody tr")).to_have_count(3)
    expect(page.locator("#progress-text")).to_contain_text("Completed after 120 of 120 epochs")
    drawn = page.evaluate("() => document.querySelectorAll('#loss-chart canvas').length")
    assert drawn == 1
    screenshot(page, "training-done")
