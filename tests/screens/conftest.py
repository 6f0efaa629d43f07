"""Fixtures for browser tests: a gunicorn server on a fresh SQLite database, and Debian's Chromium."""

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 (named here by the screen tests)
from tests.screens.helpers import KIOSK_SCREEN, PHONE_SCREEN, new_tab, open_kiosk, own_live_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A production-like server (gunicorn, eventlet) of the test module, on its own SQLite file with the
    demo hall; the files applicants upload go to its folder."""
    with own_live_server(tmp_path_factory, "live") as server:
        yield server


@pytest.fixture
def page(browser):
    """A desktop browser tab (1920×1080)."""
    with new_tab(browser) as tab:
        yield tab


@pytest.fixture
def phone_page(browser):
    """A phone-sized touch browser tab (390×844)."""
    with new_tab(browser, PHONE_SCREEN) as tab:
        yield tab


@pytest.fixture
def kiosk(browser, live_server):
    """The kiosk page on a portrait touch screen (1080×1920)."""
    with new_tab(browser, KIOSK_SCREEN) as tab:
        open_kiosk(tab, live_server, timeout=5000)
        yield tab
