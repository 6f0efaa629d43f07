"""The back office fires a case trigger safely when the network loses the answer (Idempotency-Key)."""

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import idempotency_keys
from tests.screens.test_backoffice import APPROVER, TIMEOUT, action, open_case, row, sign_in


@pytest.fixture(scope="module")
def tokens(live_server):
    return {name: live_server.token(name) for name in ("clerk1", APPROVER)}


def test_a_lost_claim_answer_is_retried_with_its_key(page, live_server, tokens):
    """认领 reached the server but its answer was lost: is it re-sent with its key, and claimed once?"""
    sign_in(page, live_server, APPROVER)
    case_no = open_case(live_server, tokens["clerk1"])
    expect(row(page, case_no)).to_be_visible(timeout=TIMEOUT)
    row(page, case_no).click()
    expect(page.locator("#d-case-no")).to_have_text(case_no, timeout=TIMEOUT)

    sent = idempotency_keys(page, "/transitions")

    def lose_the_answer(route):
        route.fetch()  # the server claims the case …
        route.abort("connectionreset")  # … and the screen never hears of it

    page.route("**/api/v1/cases/*/transitions", lose_the_answer, times=1)
    action(page, "claim").click()
    expect(page.locator("#bo-banner")).to_contain_text("已认领", timeout=TIMEOUT)
    expect(page.locator("#d-assignee")).not_to_have_text("未认领")
    assert len(sent) == 2 and sent[0] and sent[0] == sent[1], sent
    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens[APPROVER])
    assert case["state"] == "reviewing"
    assert [entry["trigger"] for entry in case["history"]].count("claim") == 1
