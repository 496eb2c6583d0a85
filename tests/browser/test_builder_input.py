"""The builder keeps what people type: fast keyboard input, bad values, layers, the label.

Typing goes as fast as Playwright can, with no waits between fields: every change posts
the form while the next field is being typed into.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from playwright.sync_api import Page, expect


def blobs_csv(path: Path, rows: int = 120) -> None:
    rng = np.random.default_rng(7)
    lines = ["x1,x2,x3,kind"]
    for index in range(rows):
        kind = "round" if index % 2 else "square"
        centre = 0.8 if kind == "round" else -0.8
        lines.append(f"{centre + rng.normal():.4f},{centre + rng.normal():.4f},{rng.normal():.4f},{kind}")
    path.write_text("\n".join(lines) + "\n")


def open_builder(page: Page, live_server: Any, tmp_path: Path) -> None:
    csv_path = tmp_path / "blobs.csv"
    blobs_csv(csv_path)
    with csv_path.open("rb") as handle:
        response = page.request.post(
            f"{live_server.url}/api/datasets",
            multipart={"file": {"name": "blobs.csv", "mimeType": "text/csv", "buffer": handle.read()}},
        )
    assert response.status == 201, response.text()
    page.goto(f"{live_server.url}/datasets/{response.json()['id']}/experiments/new")
    expect(page.get_by_label("Label column")).to_have_value("kind")
    page.evaluate("window.sameDocument = true")  # gone if the page ever reloads


def tab_to(page: Page, field_id: str) -> None:
    """Press Tab (or Shift+Tab) until the field has focus: the keyboard, nothing else."""
    forward = page.evaluate(
        """(id) => {
            const target = document.getElementById(id);
            const here = document.activeElement;
            if (!here || here === document.body) return true;
            return Boolean(here.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""",
        field_id,
    )
    for _ in range(200):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == field_id:
            return
        page.keyboard.press("Tab" if forward else "Shift+Tab")
    raise AssertionError(f"Tab never reached #{field_id}")


def replace_value(page: Page, field_id: str, value: str) -> None:
    tab_to(page, field_id)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def settled(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


TYPED = {
    "split-seed": "7",
    "split-folds": "3",
    "layer-0-units": "24",
    "layer-0-dropout": "0.1",
    "layer-1-units": "12",
    "layer-1-dropout": "0.25",
    "learning_rate": "0.001",
    "batch_size": "16",
    "epochs": "9",
    "patience": "4",
    "weight_decay": "0.0005",
    "seed": "11",
}


def test_fast_keyboard_typing_keeps_every_value_on_the_page_and_in_the_spec(
    page: Page, live_server: Any, tmp_path: Path
) -> None:
    open_builder(page, live_server, tmp_path)
    page.locator("#label").focus()
    # A layer added from the keyboard, so there are two to type into.
    while page.locator(".layer-row").count() < 2:
        tab_to(page, "add-layer")
        page.keyboard.press("Enter")
    while page.locator(".layer-row").count() > 2:
        tab_to(page, f"layer-{page.locator('.layer-row').count() - 1}-units")
        page.keyboard.press("Shift+Tab")
        page.locator(".layer-row").last.get_by_role("button", name="Remove").focus()
        page.keyboard.press("Enter")
    page.locator("#label").focus()
    # A first value, then straight back to select it all and replace it.
    replace_value(page, "learning_rate", "0.01")
    replace_value(page, "epochs", "30")
    for field_id, value in TYPED.items():
        replace_value(page, field_id, value)
    tab_to(page, "train-button")  # leaving the last field posts its change too
    for field_id, value in TYPED.items():
        expect(page.locator(f"#{field_id}")).to_have_value(value)
    settled(page)
    for field_id, value in TYPED.items():
        expect(page.locator(f"#{field_id}")).to_have_value(value)
        expect(page.locator(f"#{field_id}")).not_to_have_attribute("aria-invalid", "true")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/experiments/1", timeout=30_000)  # a page load, on a busy machine
    spec = page.request.get(f"{live_server.url}/api/experiments/1").json()["spec"]
    assert spec["split"]["seed"] == 7 and spec["split"]["folds"] == 3
    assert [(layer["units"], layer["dropout"]) for layer in spec["layers"]] == [(24, 0.1), (12, 0.25)]
    assert spec["training"] == {
        "optimizer": "adam",
        "learning_rate": 0.001,
        "batch_size": 16,
        "epochs": 9,
        "early_stopping_patience": 4,
        "weight_decay": 0.0005,
        "seed": 11,
        # the options left as proposed for this label
        "class_weight": "none",
        "early_stopping_metric": "loss",
        "target_transform": "none",
        "schedule": "plateau",
        "regression_loss": "mse",
        "initializer": "auto",
        "clip_norm": None,
    }


def test_an_out_of_range_value_stays_as_typed_and_is_marked_on_its_field(
    page: Page, live_server: Any, tmp_path: Path
) -> None:
    open_builder(page, live_server, tmp_path)
    page.locator("#label").focus()
    replace_value(page, "learning_rate", "0.01")
    replace_value(page, "epochs", "30")
    replace_value(page, "patience", "15")
    replace_value(page, "weight_decay", "1.5")
    tab_to(page, "seed")
    decay = page.locator("#weight_decay")
    expect(decay).to_have_attribute("aria-invalid", "true")
    expect(decay).to_have_value("1.5")
    expect(page.locator("#weight_decay-error")).to_contain_text("not 1.5")
    assert "weight_decay-error" in (decay.get_attribute("aria-describedby") or "").split()
    for field_id, value in (("learning_rate", "0.01"), ("epochs", "30"), ("patience", "15")):
        expect(page.locator(f"#{field_id}")).to_have_value(value)
        expect(page.locator(f"#{field_id}")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#train-button")).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#train-status")).to_contain_text("Weight decay")
    expect(page.locator("#seed")).to_be_focused()

    # Epochs 0 as well: the diagram says why it waits; Train says both.
    replace_value(page, "epochs", "0")
    tab_to(page, "patience")
    expect(page.locator("#epochs")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#diagram-waits")).to_contain_text("The diagram waits")
    expect(page.locator("#train-status li")).to_have_count(2)
    # Train refused: nothing is created, the values stay, the first bad field gets focus.
    tab_to(page, "train-button")
    page.keyboard.press("Enter")
    expect(page.locator("#epochs")).to_be_focused()
    expect(page.locator("#weight_decay")).to_have_value("1.5")
    expect(page.locator("#epochs")).to_have_value("0")
    assert page.request.get(f"{live_server.url}/api/experiments").json() == []
    # Fixed: the marks go, Train is ready.
    replace_value(page, "epochs", "30")
    replace_value(page, "weight_decay", "0.01")
    tab_to(page, "seed")
    expect(page.locator("#weight_decay")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#epochs")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#train-button")).not_to_have_attribute("aria-disabled", "true")
    expect(page.locator("#diagram-waits")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True


def test_layers_are_added_moved_and_removed_in_place(page: Page, live_server: Any, tmp_path: Path) -> None:
    open_builder(page, live_server, tmp_path)
    url = page.url
    rows = page.locator(".layer-row")
    start = rows.count()
    # Add, by keyboard: the new row's units get focus.
    page.locator("#add-layer").focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(start + 1)
    expect(page.locator(f"#layer-{start}-units")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    # Add, by mouse.
    page.locator("#add-layer").click()
    expect(rows).to_have_count(start + 2)
    expect(page.locator(f"#layer-{start + 1}-units")).to_be_focused()
    expect(page.locator(f"#layer-{start + 1}-units")).to_have_value("5")  # a copy of the last one's width
    page.keyboard.press("Control+A")
    page.keyboard.type("9")
    # Move the 5-unit layer up, by keyboard: it moves, and focus stays on its row
    # (on its other arrow, as it reached the top and its "up" is off).
    assert start == 1
    page.get_by_role("button", name="Move layer 2 up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#layer-0-units")).to_have_value("5")
    expect(page.get_by_role("button", name="Move layer 1 down")).to_be_focused()
    page.keyboard.press("Enter")  # and back down
    expect(page.locator("#layer-1-units")).to_have_value("5")
    expect(page.get_by_role("button", name="Move layer 2 down")).to_be_focused()
    expect(page.locator("#network-diagram")).to_contain_text("5 relu")
    # Remove it, by mouse: focus moves to the neighbouring row (the one after it).
    page.get_by_role("button", name="Remove layer 2").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#layer-1-units")).to_be_focused()
    expect(page.locator("#layer-1-units")).to_have_value("9")
    settled(page)
    expect(page.locator("#network-diagram")).not_to_contain_text("5 relu")
    assert page.url == url
    assert page.evaluate("window.sameDocument") is True


def test_changing_the_label_brings_the_previous_one_back_as_a_feature(
    page: Page, live_server: Any, tmp_path: Path
) -> None:
    open_builder(page, live_server, tmp_path)
    count = page.locator("#feature-count")
    expect(count).to_have_text("3 of 3 selected")
    page.locator("#label").focus()
    page.keyboard.press("ArrowUp")  # kind → x3
    expect(page.locator("#label")).to_have_value("x3")
    expect(page.locator("tr[data-column=x3]")).to_be_hidden()
    expect(page.locator("tr[data-column=kind]")).to_be_visible()
    expect(page.get_by_label("kind", exact=True)).to_be_checked()
    expect(count).to_have_text("3 of 3 selected")
    expect(page.locator("#task-explanation")).to_contain_text("regression")
    expect(page.locator("#builder-summary")).to_contain_text("x3")
    page.locator("#train-button").click()
    expect(page).to_have_url(f"{live_server.url}/experiments/1", timeout=30_000)  # a page load, on a busy machine
    spec = page.request.get(f"{live_server.url}/api/experiments/1").json()["spec"]
    assert spec["label"] == "x3"
    assert sorted(spec["features"]) == ["kind", "x1", "x2"]
