"""Upload a CSV through the page, see its profile, delete it; all in headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

CSV = (
    "age,income,city,member,<b>note</b>\n"
    '34,"52,000",Lyon,yes,first\n'
    "29,48000,Paris,no,second\n"
    "41,61000,Lyon,yes,third\n"
    "55,,Nice,no,fourth\n"
    "23,39000,Paris,yes,fifth\n"
)


def test_upload_profile_and_delete(page: Page, live_server: Any, tmp_path: Path, screenshot: Any) -> None:
    csv_path = tmp_path / "members.csv"
    csv_path.write_text(CSV)
    page.goto(live_server.url)
    expect(page.get_by_text("No datasets yet")).to_be_visible()
    screenshot(page, "home-empty")

    page.get_by_label("Data file").set_input_files(str(csv_path))
    expect(page).to_have_url(f"{live_server.url}/datasets/1")
    expect(page.get_by_role("heading", name="members.csv")).to_be_visible()
    profile = page.locator(".profile-table")
    expect(profile.get_by_role("rowheader", name="city")).to_be_visible()
    expect(profile.get_by_role("rowheader", name="<b>note</b>")).to_be_visible()  # shown as text
    expect(page.locator(".preview-table tbody tr")).to_have_count(5)
    screenshot(page, "dataset-profile")

    page.get_by_role("link", name="Datasets").first.click()
    expect(page.get_by_role("link", name="members.csv")).to_be_visible()
    page.get_by_role("link", name="members.csv").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("No datasets yet")).to_be_visible()


def test_bad_file_shows_the_reason_next_to_the_form(
    page: Page, live_server: Any, tmp_path: Path, screenshot: Any
) -> None:
    bad = tmp_path / "report.csv"
    bad.write_bytes(b"PK\x03\x04" + bytes(200))
    page.goto(live_server.url)
    page.get_by_label("Data file").set_input_files(str(bad))
    expect(page.locator("#upload-status .error-message")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/")
    screenshot(page, "upload-error")


def test_sample_with_the_keyboard(page: Page, live_server: Any) -> None:
    page.goto(live_server.url)
    button = page.get_by_role("button", name="Iris")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="iris.csv")).to_be_visible()
    expect(page.get_by_text("150 rows")).to_be_visible()
