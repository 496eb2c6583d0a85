"""With accounts: sign in, upload, train, sign out; another member cannot open the experiment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import EXPECT_TIMEOUT_MS, TRAINING_TIMEOUT_MS

ADMIN, ADMIN_PASSWORD, PASSWORD = "teacher", "admin-password-1", "member-password-1"
CSV = "size,colour,price,kind\n" + "".join(
    f"{i % 7},{['red', 'blue'][i % 2]},{i * 1.5:.1f},{['cat', 'dog', 'fox'][i % 3]}\n" for i in range(90)
)


def _create_members(browser: Browser, url: str, *names: str) -> None:
    admin = browser.new_context()
    assert admin.request.post(f"{url}/api/session", data={"username": ADMIN, "password": ADMIN_PASSWORD}).ok
    for name in names:
        response = admin.request.post(f"{url}/api/users", data={"username": name, "password": PASSWORD,
                                                               "role": "member"})
        assert response.status == 201, response.text()
    admin.close()


def _sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=f"Signed in as {username}")).to_be_visible()


@pytest.mark.workers(1)
@pytest.mark.settings(auth="password", admin_username=ADMIN, admin_password=ADMIN_PASSWORD)
def test_sign_in_train_sign_out_and_stay_private(
    page: Page, browser: Browser, live_server: Any, tmp_path: Path, screenshot: Any
) -> None:
    url = live_server.url
    _create_members(browser, url, "ana", "ben")
    _sign_in(page, url, "ana")
    csv_path = tmp_path / "pets.csv"
    csv_path.write_text(CSV)
    page.get_by_label("Data file").set_input_files(str(csv_path))
    expect(page.get_by_role("heading", name="pets.csv")).to_be_visible()
    page.get_by_role("button", name="New experiment").click()
    page.get_by_label("Epochs", exact=True).fill("3")
    page.get_by_label("Epochs", exact=True).press("Tab")
    page.wait_for_function("() => !document.querySelector('#builder.htmx-request')")
    page.get_by_role("button", name="Train").click()
    expect(page).to_have_url(re.compile(r"/experiments/\d+$"))
    experiment_url = page.url
    expect(page.locator(".badge-completed")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    screenshot(page, "accounts-experiment")

    page.get_by_role("link", name="Signed in as ana").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(experiment_url)
    expect(page).to_have_url(re.compile(r"/login\?next=/experiments/\d+$"))

    other = browser.new_context()
    other.set_default_timeout(EXPECT_TIMEOUT_MS)
    ben = other.new_page()
    try:
        _sign_in(ben, url, "ben")
        expect(ben.get_by_text("pets.csv")).to_have_count(0)
        response = ben.goto(experiment_url)
        assert response is not None and response.status == 404
        expect(ben.get_by_role("heading", name="Not found")).to_be_visible()
    finally:
        other.close()
