"""好差评 by SMS on a phone (390×844): the link the applicant is texted opens a page that rates at once.

A server that writes its SMS to a log: a ticket that left a phone is finished, and a 马上办 case is
completed on the spot; each message's link, opened on a phone, shows the rating box without anything
typed, and one tap on a grade and 提交评价 records the rating.
"""

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import PHONE, PHONE_SCREEN, delivered_case, new_tab, open_window, own_live_server

TIMEOUT = 8000
RATINGS = re.compile(r"/api/v1/ratings$")


@pytest.fixture(scope="module")
def sms_server(tmp_path_factory):
    """A live server whose text messages are appended to a log file."""
    log = tmp_path_factory.mktemp("sms") / "sms.log"
    with own_live_server(tmp_path_factory, "sms-live", NOTIFIER="log", NOTIFY_LOG_PATH=str(log)) as server:
        server.sms_log = log
        yield server


def texted_link(server, kind: str, needle: str) -> str:
    """Wait for the message of this kind whose text holds ``needle``; return the link it carries."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = server.sms_log.read_text("utf-8").splitlines() if server.sms_log.exists() else []
        for message in map(json.loads, lines):
            if message["kind"] == kind and needle in message["text"]:
                return re.search(r"https?://\S+", message["text"]).group(0)
        time.sleep(0.2)
    raise AssertionError(f"no {kind} message with {needle}")


def rate_with_one_tap(page, box_id: str) -> dict:
    box = page.locator(box_id)
    expect(box.locator('.wr-grade[data-grade="5"]')).to_be_visible(timeout=TIMEOUT)
    box.locator('.wr-grade[data-grade="5"]').click()
    with page.expect_response(RATINGS) as answer:
        box.locator(".wr-send").click()
    assert answer.value.status == 201, answer.value.text()
    return answer.value.request.post_data_json


def test_the_ticket_link_rates_on_a_phone(browser, sms_server):
    token, window_id = open_window(sms_server, 1, "clerk1")
    status, ticket = sms_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd", "phone": PHONE})
    assert status == 201, ticket
    status, called = sms_server.call("POST", f"/api/v1/windows/{window_id}/call-next", token=token)
    assert status == 200 and called["id"] == ticket["id"], called
    for trigger in ("start", "finish"):
        assert sms_server.call("POST", f"/api/v1/tickets/{ticket['id']}/{trigger}", token=token)[0] == 200
    link = texted_link(sms_server, "rating_invited", ticket["number"] + "号")
    with new_tab(browser, PHONE_SCREEN) as page:
        page.goto(link)
        sent = rate_with_one_tap(page, "#s-rate")
        assert (sent["ticket_id"], sent["token"]) == (ticket["id"], ticket["rating_token"])
        page.screenshot(path="/tmp/rating-sms-ticket.png", full_page=True)


def test_the_case_link_rates_on_a_phone_without_typing_the_phone(browser, sms_server):
    case_no = delivered_case(sms_server)["case_no"]
    link = texted_link(sms_server, "case_rating_invited", case_no)
    with new_tab(browser, PHONE_SCREEN) as page:
        page.goto(link)
        expect(page.locator("#r-case-no")).to_have_text(case_no, timeout=TIMEOUT)
        sent = rate_with_one_tap(page, "#r-rate")
        assert (sent["case_no"], sent["phone"]) == (case_no, PHONE)
        page.screenshot(path="/tmp/rating-sms-case.png", full_page=True)
