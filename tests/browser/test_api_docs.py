"""The interactive API docs: FastAPI's Swagger UI, vendored, under our Content-Security-Policy."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer


def test_api_docs_list_every_operation_without_csp_violations(page: Page, live_server: LiveServer) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/api")
    page.get_by_role("main").get_by_role("link", name="interactive API docs").click()
    expect(page).to_have_url(f"{live_server.url}/api/docs")

    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    documented = page.request.get(f"{live_server.url}/openapi.json").json()["paths"]
    expected = sum(len(methods) for methods in documented.values())
    expect(operations).to_have_count(expected)
    expect(page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/sweeps/\{sweep_id\}/reveal$"))) \
        .to_be_visible()

    # One operation opened: its success model and the {"detail"} error shape are listed.
    page.locator(".opblock-get", has=page.locator('[data-path="/api/experiments/{experiment_id}"]')).first \
        .locator(".opblock-summary-control").click()
    responses = page.locator(".opblock.is-open .responses-table").first
    expect(responses.locator("tr.response[data-code='404']")).to_be_visible()
    expect(responses.locator("tr.response[data-code='422']")).to_contain_text("detail")
    expect(responses.locator("tr.response[data-code='200']")).to_contain_text("validation_metric")
    assert violations == []
