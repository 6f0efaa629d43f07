"""Fixtures for browser tests: a gunicorn server on a fresh SQLite database, and Debian's Chromium."""

import os
import shutil

import pytest

from tests.conftest import service_missing
from tests.live import LiveServer, prepare_database

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A production-like server (gunicorn, eventlet) on its own SQLite file with the demo hall."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("live") / "live.sqlite3")
    prepare_database(url)
    server = LiveServer(url).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser is downloaded)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        service_missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()
