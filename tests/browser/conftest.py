"""A real LayerLab server on a free port and Debian's Chromium driven by Playwright.

Browser tests never skip: a missing Chromium is a failure (`make test` installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from app.config import Settings
from app.main import create_app

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Every wait is on what the page shows; on a loaded 2-core machine a page load or a
# training step can take seconds, so no wait gives up after Playwright's default 5 s.
EXPECT_TIMEOUT_MS = 20_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def chromium_path() -> str:
    path = os.environ.get("LAYERLAB_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is not installed; `make test` installs it.")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    settings: Settings


@pytest.fixture
def live_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A server on a free port; `@pytest.mark.workers(1)` gives it training workers and
    `@pytest.mark.settings(max_columns=10_000)` overrides any setting."""
    marker = request.node.get_closest_marker("workers")
    overrides = request.node.get_closest_marker("settings")
    port = _free_port()
    settings = Settings(
        data_dir=tmp_path / "data", port=port, workers=marker.args[0] if marker else 0,
        **(overrides.kwargs if overrides else {}),
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The LayerLab server did not start.")
        time.sleep(0.05)
    yield LiveServer(url=f"http://127.0.0.1:{port}", settings=settings)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    # Through live_server, the page closes before the server stops: a server going away
    # under an open page would cut its event stream, and htmx logs that as an error.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    opened = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A 4xx answer we show to the user is expected; anything else (CSP, JS) is a bug.
        expected = ("Failed to load resource", "Response Status Error Code 4")
        if message.type == "error" and not message.text.startswith(expected):
            where = message.location
            errors.append(f"{message.text[:90]} at {where.get('url')}:{where.get('lineNumber')}")

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"The page logged errors: {errors}"


@pytest.fixture
def screenshot():  # type: ignore[no-untyped-def]
    """`screenshot(page, name)` saves a full-page PNG under tests/browser/screenshots/."""

    def take(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
