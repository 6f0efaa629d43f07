"""Every screen under the strict Content-Security-Policy (issue #13.5): no violation reported by the browser,
the kiosk still prints from its iframe, and sign-out works only as the screen's own form."""

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import sign_in_at_home

TIMEOUT = 5000
REPORT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile);
});
"""
PUBLIC_PAGES = [
    "/",
    "/login",
    "/board/xiqu",
    "/kiosk/xiqu",
    "/portal/",
    "/portal/services",
    "/portal/services/SCJG-007",
    "/portal/services/SCJG-007/apply",
    "/portal/applications/",
    "/portal/events/",
    "/portal/events/YJS-001",
    "/book/xiqu",
    "/progress/",
    "/evaluate/",
]
STAFF_PAGES = [
    "/windows/xiqu",
    "/backoffice/",
    "/supervisor/",
    "/reports/",
    "/reports/monthly",
    "/reports/rectifications",
    "/reports/staffing",
]


@pytest.fixture
def watched(browser):
    """A tab that records CSP violations (an init script runs outside the page's policy)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_init_script(REPORT_VIOLATIONS)
    tab = context.new_page()
    messages = []
    tab.on("console", lambda message: messages.append(message.text))
    tab.csp_console = messages
    yield tab
    context.close()


def violations(tab) -> list[str]:
    reported = tab.evaluate("window.__csp || []")
    logged = [text for text in tab.csp_console if "Content Security Policy" in text]
    return reported + logged


def test_public_screens_run_without_a_csp_violation(watched, live_server):
    """Do the board, kiosk, portal, booking, progress and evaluator pages load with nothing blocked?"""
    seen = {}
    for path in PUBLIC_PAGES:
        watched.goto(live_server.url + path)
        watched.wait_for_load_state("networkidle")
        seen[path] = violations(watched)
    assert {path: found for path, found in seen.items() if found} == {}


def test_staff_screens_run_without_a_csp_violation(watched, live_server):
    """Do the clerk, back office, supervisor and report screens (signed in) load with nothing blocked?"""
    sign_in_at_home(watched, live_server, "admin")
    window_id = live_server.window_id(1, live_server.token("admin"))
    seen = {}
    for path in [*STAFF_PAGES, f"/window/{window_id}", f"/evaluate/{window_id}"]:
        watched.goto(live_server.url + path)
        watched.wait_for_load_state("networkidle")
        seen[path] = violations(watched)
    assert {path: found for path, found in seen.items() if found} == {}


def test_kiosk_prints_its_ticket_from_the_framed_page(watched, live_server):
    """The printable ticket loads in the kiosk's iframe (frame-ancestors 'self') and runs its print script."""
    watched.goto(f"{live_server.url}/kiosk/xiqu")
    expect(watched.locator(".k-queue")).to_have_count(7, timeout=TIMEOUT)
    watched.evaluate("window.__printed = 0")
    watched.locator('.k-queue[data-queue="shsw"]').click()
    expect(watched.locator("#t-print")).to_be_visible(timeout=TIMEOUT)
    watched.locator("#t-print").click()
    frame = watched.frame_locator("#print-frame")
    expect(frame.locator(".number")).not_to_be_empty(timeout=TIMEOUT)
    assert violations(watched) == []


def test_sign_out_is_the_screens_own_form(watched, live_server):
    """The clerk screen's 退出登录 posts its form with the CSRF token and ends the session."""
    sign_in_at_home(watched, live_server, "clerk6")
    watched.goto(f"{live_server.url}/windows/xiqu")
    watched.click("text=退出登录")
    watched.wait_for_url("**/login")
    watched.goto(f"{live_server.url}/windows/xiqu")
    assert "/login" in watched.url
    assert violations(watched) == []
