"""Continue training from the experiment page, with the keyboard only: the new experiment
opens, says what it continues, and trains on from the next epoch."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

TRAINING_TIMEOUT_MS = 300_000


@pytest.mark.workers(1)
def test_continue_training_with_the_keyboard(page: Page, live_server: Any, screenshot: Any) -> None:
    api = httpx2.Client(base_url=live_server.url, timeout=30)
    dataset = api.post("/api/datasets/samples/iris").json()
    spec = {"dataset_id": dataset["id"], "label": "species", "layers": [{"units": 8}],
            "training": {"epochs": 5, "early_stopping_patience": None}}
    parent = api.post("/api/experiments", json=spec).json()["id"]

    page.goto(f"{live_server.url}/experiments/{parent}")
    # Generous: on a shared machine under heavy load a worker process takes long to start.
    expect(page.locator(".badge-completed")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    epochs = page.get_by_label("More epochs")
    expect(epochs).to_have_value("5")
    page.get_by_role("button", name="Train again").focus()
    page.keyboard.press("Tab")  # the epochs field comes right after "Train again"
    expect(epochs).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Continue training")).to_be_focused()
    screenshot(page, "continue-training")
    page.keyboard.press("Enter")

    expect(page.locator(".lineage")).to_contain_text(f"experiment {parent} after epoch 5: epochs 6 to 8")
    assert page.url.rstrip("/") != f"{live_server.url}/experiments/{parent}"
    expect(page.locator(".badge-completed")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    expect(page.locator("#progress-text")).to_contain_text("after 8 of 8 epochs")
    child = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert [row["epoch"] for row in api.get(f"/api/experiments/{child}/epochs").json()] == [6, 7, 8]
    screenshot(page, "continued-experiment")


@pytest.mark.workers(1)
def test_what_is_typed_in_a_finished_runs_panel_survives_the_stream(page: Page, live_server: Any) -> None:
    """The event stream opens on a finished run with the state the page already shows: the
    panel must not be re-rendered then, or the epochs being typed (and the focus) are lost."""
    api = httpx2.Client(base_url=live_server.url, timeout=30)
    dataset = api.post("/api/datasets/samples/iris").json()
    spec = {"dataset_id": dataset["id"], "label": "species", "layers": [{"units": 4}],
            "training": {"epochs": 2, "early_stopping_patience": None}}
    experiment = api.post("/api/experiments", json=spec).json()["id"]
    for _ in range(TRAINING_TIMEOUT_MS // 100):
        if api.get(f"/api/experiments/{experiment}").json()["status"] == "completed":
            break
        page.wait_for_timeout(100)

    panel_requests: list[str] = []
    page.on("request", lambda request: panel_requests.append(request.url) if "/panel" in request.url else None)
    with page.expect_request_finished(lambda request: "/events" in request.url):  # it ends after "done"
        page.goto(f"{live_server.url}/experiments/{experiment}")
        epochs = page.get_by_label("More epochs")
        epochs.fill("7")
        epochs.focus()
    assert panel_requests == []
    expect(epochs).to_have_value("7")
    expect(epochs).to_be_focused()
