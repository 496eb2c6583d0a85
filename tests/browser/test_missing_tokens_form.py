"""Choosing which tokens mean missing on the dataset page, with the keyboard only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

# Reading and profiling happen on the server: on a loaded machine they outlast expect's 5 s.
SERVER_WORK_MS = 30_000

CSV = "price,veneer,area\n" + "".join(
    f"{100 + i},{'None' if i % 3 else 'Stone'},{'NA' if i % 5 == 0 else 50 + i}\n" for i in range(30)
)


def test_tokens_by_keyboard_recompute_the_profile(
    page: Page, live_server: Any, tmp_path: Path, screenshot: Any
) -> None:
    csv_path = tmp_path / "houses.csv"
    csv_path.write_text(CSV)
    page.goto(live_server.url)
    page.get_by_label("Data file").set_input_files(str(csv_path))
    expect(page).to_have_url(f"{live_server.url}/datasets/1", timeout=SERVER_WORK_MS)
    veneer = page.locator(".profile-table tr", has=page.get_by_role("rowheader", name="veneer"))
    expect(veneer).to_contain_text("`None` appears 20 times in this column: a category or missing?")
    screenshot(page, "dataset-missing-tokens-before")

    field = page.get_by_label("Values that mean missing")
    field.focus()
    page.keyboard.type("None, NA")
    page.keyboard.press("Enter")
    expect(page.locator("#missing-tokens-hint")).to_contain_text(
        "Now: empty cells and None, NA, in every column.", timeout=SERVER_WORK_MS
    )
    expect(veneer.locator("td").nth(1)).to_contain_text("20")
    expect(veneer).not_to_contain_text("category or missing")
    expect(page.get_by_label("Values that mean missing")).to_be_focused()
    expect(page.get_by_label("Values that mean missing")).to_have_value("None, NA")
    expect(page).to_have_url(f"{live_server.url}/datasets/1")

    field = page.get_by_label("Values that mean missing")
    field.press("ControlOrMeta+a")
    page.keyboard.type("x" * 41)
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("at most 40 characters", timeout=SERVER_WORK_MS)
    expect(page.get_by_label("Values that mean missing")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Values that mean missing")).to_have_value("x" * 41)
    expect(veneer.locator("td").nth(1)).to_contain_text("20")  # nothing changed
    screenshot(page, "dataset-missing-tokens-error")
