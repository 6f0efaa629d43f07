"""The back office names states and triggers as the server does (GET /api/v1/labels), not by a copy."""

import pytest
from playwright.sync_api import expect

from tests.screens.test_backoffice import APPROVER, TIMEOUT, action, open_case, row, sign_in


@pytest.fixture(scope="module")
def tokens(live_server):
    return {name: live_server.token(name) for name in ("clerk1", "admin")}


def test_state_and_trigger_names_are_the_servers(page, live_server, tokens):
    """Do the list, the detail pane and the history show exactly the names of GET /labels?"""
    status, labels = live_server.call("GET", "/api/v1/labels")
    assert status == 200, labels
    states, triggers = labels["case_states"], labels["case_triggers"]
    sign_in(page, live_server, APPROVER)
    case_no = open_case(live_server, tokens["clerk1"])

    expect(row(page, case_no)).to_be_visible(timeout=TIMEOUT)
    expect(row(page, case_no).locator(".col-state")).to_have_text(states["in_approval"])
    row(page, case_no).click()
    expect(page.locator("#d-case-no")).to_have_text(case_no, timeout=TIMEOUT)
    expect(page.locator("#d-state")).to_have_text(states["in_approval"])
    expect(page.locator("#d-mode")).to_have_text(labels["modes"]["once"])
    accepted = page.locator('#d-history li[data-trigger="accept"]')
    expect(accepted.locator(".bo-h-trigger")).to_have_text(triggers["accept"])
    expect(accepted.locator(".bo-h-states")).to_have_text(f"{states['submitted']} → {states['accepted']}")

    action(page, "claim").click()
    expect(page.locator("#d-state")).to_have_text(states["reviewing"], timeout=TIMEOUT)
    claimed = page.locator('#d-history li[data-trigger="claim"]')
    expect(claimed.locator(".bo-h-trigger")).to_have_text(triggers["claim"])

    action(page, "suspend").click()
    page.select_option("#dlg-kind", "testing")
    page.fill("#dlg-note", "送检")
    page.click("#dlg-ok")
    expect(page.locator("#d-state")).to_have_text(states["suspended"], timeout=TIMEOUT)
    suspended = page.locator('#d-history li[data-trigger="suspend"]')
    expect(suspended.locator(".bo-h-trigger")).to_have_text(triggers["suspend"])
    expect(suspended.locator(".bo-h-data")).to_have_text("原因：" + labels["suspend_kinds"]["testing"])
    page.click('.bo-tab[data-tab="mine"]')
    expect(row(page, case_no).locator(".col-state")).to_have_text(states["suspended"], timeout=TIMEOUT)
