"""Build a small sweep in the browser, watch it run, read its leaderboard, pick and promote."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect


def blobs_csv(path: Path, rows: int = 160) -> None:
    rng = np.random.default_rng(3)
    lines = ["x1,x2,colour,kind"]
    for index in range(rows):
        kind = "round" if index % 2 else "square"
        centre = 0.5 if kind == "round" else -0.5  # overlapping: runs differ
        lines.append(f"{centre + rng.normal():.4f},{centre + rng.normal():.4f},{rng.choice(['red', 'blue'])},{kind}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.workers(1)
def test_run_a_sweep_and_read_its_leaderboard(page: Page, live_server: Any, tmp_path: Path, screenshot: Any) -> None:
    csv_path = tmp_path / "blobs.csv"
    blobs_csv(csv_path)
    page.goto(live_server.url)
    page.get_by_label("Data file").set_input_files(str(csv_path))
    expect(page.get_by_role("heading", name="blobs.csv")).to_be_visible()
    page.get_by_role("button", name="New sweep").click()

    expect(page.get_by_role("heading", name="New sweep")).to_be_visible()
    expect(page.get_by_label("Label: what to predict")).to_have_value("")  # nothing stands out: asked
    page.get_by_label("Label: what to predict").select_option("kind")
    expect(page.locator("#sweep-preview")).to_contain_text("binary classification")
    page.get_by_label("Epochs per experiment").fill("4")
    page.get_by_label("Units per layer").fill("2, 16")
    page.get_by_label("Learning rate").fill("0.05")
    page.get_by_label("Repeats").fill("2")
    preview = page.locator("#sweep-preview")
    expect(preview).to_contain_text("Makes 4 experiments")
    expect(preview).to_contain_text("2 configurations × 2 repeats")
    page.get_by_label("Units per layer").fill("2, many")
    expect(preview).to_contain_text("“many”: input should be a valid integer")
    page.get_by_label("Units per layer").fill("2, 16")
    expect(preview).to_contain_text("Makes 4 experiments")
    screenshot(page, "sweep-builder")
    page.get_by_role("button", name="Start sweep").click()

    expect(page).to_have_url(f"{live_server.url}/sweeps/1")
    expect(page.get_by_role("heading", name=re.compile("Sweep 1"))).to_be_visible()
    expect(page.locator("#sweep-progress-text")).to_contain_text("4 / 4 experiments done", timeout=120_000)
    expect(page.locator(".badge-completed")).to_be_visible()

    runs = [page.request.get(f"{live_server.url}/api/experiments/{n}").json() for n in range(1, 5)]
    assert [run["status"] for run in runs] == ["completed"] * 4, [run["error"] for run in runs]
    rows = page.locator("#leaderboard tbody tr")
    expect(rows).to_have_count(2)
    best = page.locator("#leaderboard tr.best-row")
    expect(best).to_have_count(1)
    expect(best).to_contain_text("★ best")
    expect(best.locator("td").nth(0)).to_contain_text("1")
    validation = best.locator("td").nth(4).inner_text()
    assert re.fullmatch(r"[01](\.\d+)? ± \d(\.\d+)?", validation), validation
    expect(page.locator("#leaderboard")).to_contain_text("2 / 2")
    expect(page.locator("#leaderboard td", has_text="hidden")).to_have_count(2)
    expect(page.locator(".effect-chart")).to_have_count(1)  # learning rate has one value: no chart
    units = page.locator(".effect-chart .chart")
    expect(units.locator("canvas")).to_have_count(1)
    expect(units).to_have_attribute("aria-label", re.compile("Units per layer", re.IGNORECASE))
    expect(units).to_have_attribute("data-points", re.compile(r"^4 2$"))  # a dot per run, a mean per value

    # Sorting by a hyperparameter keeps working across the live refresh.
    page.get_by_role("button", name="Units per layer").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Units per layer")
    expect(rows.nth(0).locator("td").nth(2)).to_have_text("2")
    page.get_by_role("button", name="Units per layer").click()
    expect(rows.nth(0).locator("td").nth(2)).to_have_text("16")

    # Pick the best configuration: only its test score is shown.
    best_config = best.locator("td").nth(1).inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Pick configuration {best_config} and see its test score").click()
    expect(page.locator("#leaderboard td", has_text="hidden")).to_have_count(1)
    test_cell = page.locator("#leaderboard tr.revealed-row td").nth(6)
    expect(test_cell).to_have_text(re.compile(r"[01]\.\d+"))
    expect(page.get_by_role("button", name=re.compile("Pick configuration"))).to_have_count(0)
    screenshot(page, "sweep-done")

    page.get_by_role("button", name="Promote the best").click()
    expect(page).to_have_url(f"{live_server.url}/experiments/5")
    page.get_by_role("link", name="Sweeps").first.click()
    expect(page.locator("#sweeps-table")).to_contain_text("completed")
