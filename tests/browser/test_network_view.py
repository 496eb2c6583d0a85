"""Pause, step and resume from the experiment page, then look inside the network: the
neurons (by keyboard), the epoch scrubber and a decision surface."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TRAINING_TIMEOUT_MS
from tests.browser.test_training_flow import spirals_csv


def _epochs_done(page: Page, url: str) -> int:
    return int(page.request.get(url).json()["epochs_done"])


@pytest.mark.workers(1)
def test_pause_step_resume_and_look_inside(page: Page, live_server: Any, tmp_path: Path, screenshot: Any) -> None:
    csv_path = tmp_path / "spirals.csv"
    spirals_csv(csv_path, rows=1500)
    uploaded = page.request.post(f"{live_server.url}/api/datasets", multipart={
        "file": {"name": "spirals.csv", "mimeType": "text/csv", "buffer": csv_path.read_bytes()}})
    assert uploaded.ok, uploaded.text()
    spec = {"dataset_id": uploaded.json()["id"], "label": "arm",
            "layers": [{"units": 16}, {"units": 8, "activation": "tanh"}],
            "training": {"epochs": 60, "batch_size": 32, "early_stopping_patience": None}}
    created = page.request.post(f"{live_server.url}/api/experiments", data=spec)
    assert created.ok, created.text()
    api = f"{live_server.url}/api/experiments/{created.json()['id']}"

    page.goto(f"{live_server.url}/experiments/{created.json()['id']}")
    page.get_by_role("button", name="Pause").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".badge-paused")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    paused_at = _epochs_done(page, api)
    assert paused_at >= 1
    expect(page.get_by_role("button", name="Resume")).to_be_visible()

    page.get_by_role("button", name="Step 1 epoch").click()
    stepped = f"Epoch {paused_at + 1} "
    page.wait_for_function(f"() => document.getElementById('progress-text').textContent.startsWith('{stepped}')")
    expect(page.locator(".badge-paused")).to_be_visible()
    expect(page.get_by_role("button", name="Step 1 epoch")).to_be_enabled()
    assert _epochs_done(page, api) == paused_at + 1

    page.get_by_role("link", name="Inside the network").click()
    expect(page.get_by_role("heading", name="What the numbers say")).to_be_visible()
    expect(page.locator("#epoch-label")).to_have_text(f"epoch {paused_at + 1}")
    neurons = page.locator("#network-diagram .neuron:not(.input)")
    expect(neurons).to_have_count(16 + 8 + 1)
    neurons.first.focus()
    expect(page.locator("#neuron-detail")).to_contain_text("Strongest incoming weights")
    expect(page.locator("#neuron-detail")).to_contain_text("radius_x")
    page.locator("#epoch-scrubber").focus()
    page.keyboard.press("Home")
    expect(page.locator("#epoch-label")).to_have_text("epoch 1")
    expect(page.locator("#layer-table tbody tr")).to_have_count(3)
    screenshot(page, "network-paused")

    page.get_by_role("button", name="Resume").click()
    expect(page.locator(".badge-completed")).to_be_visible(timeout=120_000)
    page.reload()
    expect(page.locator("#surface rect").first).to_be_attached(timeout=30_000)
    assert page.locator("#surface rect").count() >= 100
    expect(page.locator("#surface-caption")).to_contain_text("predicted class")
    page.get_by_label("Up", exact=True).select_option("noise")
    expect(page.locator("#surface-caption")).to_contain_text("Others held at radius_y", timeout=20_000)
    expect(page.locator("#surface text", has_text="noise")).to_have_count(1)
    screenshot(page, "network-surface")

    page.goto(f"{api.replace('/api/experiments/', '/experiments/')}/what-if")
    expect(page.locator("#dependence-caption")).to_contain_text("as radius_x changes", timeout=20_000)
    expect(page.locator("#dependence-chart canvas")).to_have_count(1)
    page.locator("#dependence-feature").select_option("noise")
    expect(page.locator("#dependence-caption")).to_contain_text("probability of right as noise changes")
    screenshot(page, "what-if-dependence")
