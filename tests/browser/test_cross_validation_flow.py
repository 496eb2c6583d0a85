"""Ask for cross-validation in the builder, train, and read each fold on its page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TRAINING_TIMEOUT_MS


def blobs_csv(path: Path, rows: int = 150) -> None:
    rng = np.random.default_rng(5)
    lines = ["x1,x2,kind"]
    for index in range(rows):
        kind = "round" if index % 2 else "square"
        centre = 0.8 if kind == "round" else -0.8
        lines.append(f"{centre + rng.normal():.4f},{centre + rng.normal():.4f},{kind}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.workers(1)
def test_cross_validate_from_the_builder(page: Page, live_server: Any, tmp_path: Path, screenshot: Any) -> None:
    csv_path = tmp_path / "blobs.csv"
    blobs_csv(csv_path)
    page.goto(live_server.url)
    page.get_by_label("Data file").set_input_files(str(csv_path))
    expect(page.get_by_role("heading", name="blobs.csv")).to_be_visible()
    page.get_by_role("button", name="New experiment").click()
    page.get_by_label("Epochs", exact=True).fill("8")
    page.get_by_label("Epochs", exact=True).press("Tab")
    page.get_by_label("Cross-validation folds").fill("3")
    page.get_by_label("Cross-validation folds").press("Tab")
    expect(page.get_by_label("Cross-validation folds")).to_have_value("3")
    page.get_by_role("button", name="Train").click()

    expect(page).to_have_url(f"{live_server.url}/experiments/1")
    expect(page.locator(".badge-completed")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    page.get_by_role("link", name="Cross-validation over 3 folds").click()
    expect(page.locator("#cv-progress")).to_have_text("3 of 3 folds done.", timeout=TRAINING_TIMEOUT_MS)
    expect(page.locator("#cv-metrics thead th")).to_have_count(2 + 3)
    accuracy = page.locator("#cv-metrics tbody tr", has_text="Accuracy").first.locator("td").first
    expect(accuracy).to_have_text(re.compile(r"^[01](\.\d+)?( ± \d(\.\d+)?)?$"))
    expect(page.locator(".fold-chart")).to_have_count(3)
    expect(page.locator(".fold-chart canvas")).to_have_count(3)
    for fold in range(1, 4):
        chart = page.locator(f"#fold-{fold}-chart")
        expect(chart).to_have_attribute("aria-label", re.compile(f"Fold {fold}: training and validation loss"))
        expect(chart).to_have_attribute("data-points", re.compile(r"^[1-9]\d* [1-9]\d*$"))  # both lines drawn
    screenshot(page, "cross-validation")
