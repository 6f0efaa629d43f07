"""服务评价 at the kiosk: the citizen types a ticket's number or a case number and rates the service.

Against a real server: clerks serve tickets and complete cases through the API; the citizen rates at
the kiosk's start screen; the rating is then read back through the API as a supervisor.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import KIOSK_SCREEN, new_tab, open_kiosk, open_window, serve

TIMEOUT = 8000
RATINGS = re.compile(r"/api/v1/ratings$")


@pytest.fixture
def kiosk(browser, live_server):
    """The kiosk page on a portrait touch screen, its timers on a clock the test moves."""
    with new_tab(browser, KIOSK_SCREEN) as tab:
        tab.clock.install()
        open_kiosk(tab, live_server, timeout=TIMEOUT)
        yield tab


def served_at(live_server, window: int, clerk: str) -> dict:
    """Take a 商事登记 ticket, call it at the window, start and finish it; return it."""
    return serve(live_server, *open_window(live_server, window, clerk))


def rectifications(live_server) -> list[dict]:
    token = live_server.token("supervisor1")
    status, answer = live_server.call("GET", "/api/v1/rectifications?hall=xiqu", token=token)
    assert status == 200, answer
    return answer["items"]


def type_number(kiosk, text: str):
    """Type on the dialog's keypad, as a citizen does (a prefix key, then digits)."""
    for key in re.findall(r"[A-Z]+|\d", text):
        kiosk.click(f'#rate-keys button[data-key="{key}"]')


def ask_to_rate(kiosk, number: str):
    kiosk.click("#rate-open")
    expect(kiosk.locator("#rate-dialog")).to_be_visible()
    type_number(kiosk, number)
    expect(kiosk.locator("#rate-number")).to_have_value(number)
    kiosk.click("#rate-next")


def test_rate_a_finished_ticket_by_its_number_once(kiosk, live_server):
    """Typing a finished ticket's number shows its queue and window; a 2 with a reason is recorded
    (channel kiosk, a rectification item opened), the dialog closes after the thanks, and a
    second try is told 已评价过."""
    ticket = served_at(live_server, 1, "clerk1")

    ask_to_rate(kiosk, ticket["number"])
    expect(kiosk.locator("#rate-what")).to_have_text(ticket["number"], timeout=TIMEOUT)
    expect(kiosk.locator("#rate-detail")).to_contain_text("商事登记 · 1号窗口")
    kiosk.click('.k-rate-grade[data-grade="2"]')
    kiosk.click('#rate-comments button:text-is("等候时间长")')
    kiosk.screenshot(path="/tmp/kiosk-rating.png")
    with kiosk.expect_response(RATINGS) as answer:
        kiosk.click("#rate-send")
    assert answer.value.status == 201
    # The thanks step shows once the answer is handled; only then is its closing timer running.
    expect(kiosk.locator("#rate-thanks")).to_be_visible()
    expect(kiosk.locator("#rate-thanks-text")).to_have_text("感谢您的评价！")
    kiosk.clock.run_for(7_000)
    expect(kiosk.locator("#rate-dialog")).to_be_hidden()

    item = next(i for i in rectifications(live_server) if (i["rating"]["ticket"] or {}).get("id") == ticket["id"])
    rating = item["rating"]
    assert (rating["grade"], rating["comment"], rating["channel"]) == (2, "【等候时间长】", "kiosk")
    assert rating["window"]["number"] == 1 and rating["clerk"]["username"] == "clerk1"

    ask_to_rate(kiosk, ticket["number"])  # the dialog starts empty again: nothing of the last citizen stays
    kiosk.click('.k-rate-grade[data-grade="5"]')
    with kiosk.expect_response(RATINGS) as answer:
        kiosk.click("#rate-send")
    assert answer.value.status == 409
    expect(kiosk.locator("#rate-error")).to_have_text("该号票已评价过，感谢您的反馈")
    expect(kiosk.locator("#rate-ask")).to_be_hidden()


def test_unfinished_or_unknown_numbers_are_refused_and_a_case_is_rated(kiosk, live_server):
    """A waiting ticket is 尚未办结, an unknown number is not found, a delivered case is rated by its
    number without the applicant's phone, and an idle dialog closes after a minute."""
    status, waiting = live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsw"})
    assert status == 201, waiting
    ask_to_rate(kiosk, waiting["number"])
    expect(kiosk.locator("#rate-error")).to_have_text("该号票尚未办结（当前：等候中），办结后才能评价", timeout=TIMEOUT)
    kiosk.click('#rate-keys button[data-key="clear"]')
    type_number(kiosk, "G987")
    kiosk.click("#rate-next")
    expect(kiosk.locator("#rate-error")).to_contain_text("今日没有 G987 号的号票", timeout=TIMEOUT)

    token = live_server.token("clerk1")
    status, case = live_server.call("POST", "/api/v1/cases", {
        "service": "SCJG-004", "hall": "xiqu", "mode": "immediate", "delivery": {"method": "pickup"},
        "applicant": {"name": "张三", "id_number": "442000199001011233", "phone": "13800138000"},
    }, token)
    assert status == 201, case
    status, case = live_server.call("POST", f"/api/v1/cases/{case['case_no']}/transitions",
                                    {"trigger": "complete_on_spot"}, token)
    assert status == 200 and case["state"] == "delivered", case
    kiosk.click('.k-rate-modes button[data-mode="case"]')
    expect(kiosk.locator("#rate-number")).to_have_value("XIQU-")
    type_number(kiosk, case["case_no"].removeprefix("XIQU-").replace("-", ""))
    expect(kiosk.locator("#rate-number")).to_have_value(case["case_no"])
    kiosk.click("#rate-next")
    expect(kiosk.locator("#rate-what")).to_have_text(case["case_no"])
    kiosk.click('.k-rate-grade[data-grade="5"]')
    kiosk.click('#rate-comments button:text-is("一次办成")')
    with kiosk.expect_response(RATINGS) as answer:
        kiosk.click("#rate-send")
    assert answer.value.status == 201
    rating = answer.value.json()
    assert (rating["case_no"], rating["grade"], rating["comment"], rating["channel"]) == (case["case_no"], 5, "一次办成", "kiosk")
    expect(kiosk.locator("#rate-thanks")).to_be_visible()
    kiosk.click("#rate-cancel")

    kiosk.click("#rate-open")
    type_number(kiosk, "A1")
    kiosk.clock.run_for(50_000)
    expect(kiosk.locator("#rate-dialog")).to_be_visible()
    kiosk.clock.run_for(15_000)
    expect(kiosk.locator("#rate-dialog")).to_be_hidden()
    kiosk.click("#rate-open")
    expect(kiosk.locator("#rate-number")).to_have_value("")
