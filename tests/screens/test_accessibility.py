"""axe-core (npm devDependency, node_modules/axe-core) finds no WCAG 2.1 A/AA violation on the screens.

The pages' strict CSP forbids the inline script Playwright injects axe with, so these tabs bypass it
(test_csp.py checks the CSP itself). The kiosk's viewport forbids zooming on purpose (a touch screen
in a hall; its 关怀模式 enlarges the type instead), so that one rule is left out there.
"""

from pathlib import Path

import pytest

from tests.screens.helpers import PORTAL_PAGES, sign_in_at_home
from tests.screens.test_rating_screens import open_window

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN = """async ([tags, skip]) => {
  const rules = Object.fromEntries(skip.map((id) => [id, {enabled: false}]));
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, rules});
  return result.violations.map((v) => ({id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' — ' + n.failureSummary)}));
}"""


def violations(page, skip=()) -> list:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN, [TAGS, list(skip)])


@pytest.fixture
def tab(browser):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run npm ci (package.json devDependencies)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def test_citizen_screens(tab, live_server):
    status, ticket = live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsw"})
    assert status == 201
    pages = [
        "/",
        "/login",
        *PORTAL_PAGES,
        "/book/xiqu",
        f"/t/{ticket['id']}",
        "/board/xiqu",
        "/evaluate/",
    ]
    found = {}
    for path in pages:
        tab.goto(live_server.url + path)
        tab.wait_for_load_state("networkidle")
        found[path] = violations(tab)
    tab.set_viewport_size({"width": 390, "height": 844})
    for path in ("/portal/", "/portal/services", "/progress/"):
        tab.goto(live_server.url + path)
        tab.wait_for_load_state("networkidle")
        tab.click("#care-toggle")  # and in 关怀模式
        found[path + " phone care"] = violations(tab)
    assert {path: found[path] for path in found if found[path]} == {}


def test_kiosk_and_its_dialogs(tab, live_server):
    tab.set_viewport_size({"width": 1080, "height": 1920})
    tab.goto(f"{live_server.url}/kiosk/xiqu")
    tab.wait_for_selector(".k-queue")
    found = {"start": violations(tab, skip=["meta-viewport"])}
    for opener in ("#priority-open", "#checkin-open", "#rate-open"):
        tab.click(opener)
        found[opener] = violations(tab, skip=["meta-viewport"])
        tab.keyboard.press("Escape")
    tab.click("#tab-items")
    tab.click("#care-toggle")
    found["items, care"] = violations(tab, skip=["meta-viewport"])
    assert {key: found[key] for key in found if found[key]} == {}


def test_evaluator_asking(tab, live_server):
    token, window_id = open_window(live_server, 4, "clerk4")
    tab.set_viewport_size({"width": 1280, "height": 800})
    tab.goto(f"{live_server.url}/evaluate/{window_id}")
    tab.wait_for_function("() => document.getElementById('ev-live').textContent.includes('已连接')")
    assert live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsw"})[0] == 201
    status, ticket = live_server.call("POST", f"/api/v1/windows/{window_id}/call-next", token=token)
    assert status == 200, ticket
    for trigger in ("start", "finish"):
        assert live_server.call("POST", f"/api/v1/tickets/{ticket['id']}/{trigger}", token=token)[0] == 200
    tab.wait_for_selector("#ev-ask:not([hidden])")
    found = {"ask": violations(tab)}
    tab.click('.ev-grade[data-grade="2"]')
    found["reasons"] = violations(tab)
    assert {key: found[key] for key in found if found[key]} == {}


def test_staff_screens(tab, browser, live_server):
    found = {}
    for username, paths in (
        ("clerk1", ["/windows/xiqu", "/window/1"]),
        ("supervisor1", ["/reports/monthly", "/reports/rectifications", "/supervisor/"]),
        ("approver_scjg", ["/backoffice/"]),
    ):
        context = browser.new_context(
            viewport={"width": 1600, "height": 1000}, locale="zh-CN", bypass_csp=True
        )
        page = context.new_page()
        try:
            sign_in_at_home(page, live_server, username)
            for path in paths:
                page.goto(live_server.url + path)
                page.wait_for_load_state("networkidle")
                found[path] = violations(page)
        finally:
            context.close()
    assert {path: found[path] for path in found if found[path]} == {}
