"""服务评价 at the kiosk: a ticket is not rated by its number (the dialog tells to scan the ticket's QR
code); a delivered case is rated by its number and the applicant's phone.

Against a real server: clerks serve tickets and complete cases through the API; the citizen rates at
the kiosk's start screen; the rating is then read back through the API as a supervisor.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import KIOSK_SCREEN, PHONE, delivered_case, new_tab, open_kiosk, open_window, serve

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
    """Type on the dialog's keypad, as a citizen does (digits only)."""
    for key in re.findall(r"\d", text):
        kiosk.click(f'#rate-keys button[data-key="{key}"]')


def enter_case(kiosk, case_no: str):
    """Open the dialog, choose 办件编号 and type the case's number; on to the phone step."""
    kiosk.click("#rate-open")
    expect(kiosk.locator("#rate-dialog")).to_be_visible()
    kiosk.click('.k-rate-modes button[data-mode="case"]')
    expect(kiosk.locator("#rate-number")).to_have_value("XIQU-")
    type_number(kiosk, case_no.removeprefix("XIQU-"))
    expect(kiosk.locator("#rate-number")).to_have_value(case_no)
    kiosk.click("#rate-next")
    expect(kiosk.locator("#rate-prompt")).to_contain_text("手机号码")
    expect(kiosk.locator("#rate-number")).to_have_value("")


def enter_phone(kiosk, phone: str):
    kiosk.click('#rate-keys button[data-key="clear"]')
    type_number(kiosk, phone)
    expect(kiosk.locator("#rate-number")).to_have_value(phone)
    kiosk.click("#rate-next")


def send_grade(kiosk, grade: int, status: int) -> None:
    """Choose a grade and send it; the server answers with this status."""
    kiosk.click(f'.k-rate-grade[data-grade="{grade}"]')
    with kiosk.expect_response(RATINGS) as answer:
        kiosk.click("#rate-send")
    assert answer.value.status == status


def test_a_ticket_is_not_rated_by_its_number(kiosk, live_server):
    """The dialog opens on 号票 with a hint to scan the ticket's QR code or rate at the window's evaluator:
    no number is asked for and no grade is offered, even for a finished ticket."""
    served_at(live_server, 1, "clerk1")
    kiosk.click("#rate-open")
    dialog = kiosk.locator("#rate-dialog")
    expect(dialog).to_be_visible()
    ticket_mode = kiosk.locator('.k-rate-modes button[data-mode="ticket"]')
    expect(ticket_mode).to_have_attribute("aria-pressed", "true")
    hint = kiosk.locator("#rate-scan")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("扫描号票上的二维码评价")
    expect(hint).to_contain_text("评价器")
    for hidden in ("#rate-number", "#rate-keys", "#rate-next", "#rate-ask", "#rate-grades"):
        expect(kiosk.locator(hidden)).to_be_hidden()
    kiosk.screenshot(path="/tmp/kiosk-rating-ticket.png")

    kiosk.click('.k-rate-modes button[data-mode="case"]')  # the case mode asks for a number instead
    expect(hint).to_be_hidden()
    expect(kiosk.locator("#rate-number")).to_be_visible()
    kiosk.click('.k-rate-modes button[data-mode="ticket"]')
    expect(hint).to_be_visible()
    expect(kiosk.locator("#rate-number")).to_be_hidden()


def test_a_case_is_rated_with_its_applicants_phone(kiosk, live_server):
    """After the case number the same keypad asks for the applicant's phone; a wrong phone is refused
    with the server's message (403) and the right one rates: a 2 with a reason is recorded (channel
    kiosk, the reason sent and heading the comment, a rectification opened), the dialog closes after
    the thanks, and a second try is told 已评价过."""
    case = delivered_case(live_server)
    enter_case(kiosk, case["case_no"])
    enter_phone(kiosk, "1380013")
    expect(kiosk.locator("#rate-error")).to_have_text("请输入办件登记时预留的11位手机号码")
    enter_phone(kiosk, "13900139000")
    expect(kiosk.locator("#rate-what")).to_have_text(case["case_no"], timeout=TIMEOUT)
    send_grade(kiosk, 5, status=403)
    expect(kiosk.locator("#rate-error")).to_have_text("请填写办件登记时的手机号码后再评价")
    expect(kiosk.locator("#rate-prompt")).to_contain_text(case["case_no"])
    expect(kiosk.locator("#rate-ask")).to_be_hidden()

    enter_phone(kiosk, PHONE)
    kiosk.click('.k-rate-grade[data-grade="2"]')
    kiosk.click('#rate-comments button:text-is("等候时间长")')
    kiosk.screenshot(path="/tmp/kiosk-rating.png")
    with kiosk.expect_response(RATINGS) as answer:
        kiosk.click("#rate-send")
    assert answer.value.status == 201
    sent = answer.value.request.post_data_json
    assert (sent["case_no"], sent["phone"], sent["reason"]) == (case["case_no"], PHONE, "等候时间长")
    rating = answer.value.json()
    assert (rating["grade"], rating["comment"], rating["channel"]) == (2, "【等候时间长】", "kiosk")
    # The thanks step shows once the answer is handled; only then is its closing timer running.
    expect(kiosk.locator("#rate-thanks")).to_be_visible()
    expect(kiosk.locator("#rate-thanks-text")).to_have_text("感谢您的评价！")
    kiosk.clock.run_for(7_000)
    expect(kiosk.locator("#rate-dialog")).to_be_hidden()
    item = next(i for i in rectifications(live_server) if i["rating"]["id"] == rating["id"])
    assert item["rating"]["clerk"]["username"] == "clerk1"

    enter_case(kiosk, case["case_no"])  # the dialog starts empty again: nothing of the last citizen stays
    enter_phone(kiosk, PHONE)
    send_grade(kiosk, 5, status=409)
    expect(kiosk.locator("#rate-error")).to_have_text("该办件已评价过，感谢您的反馈")
    expect(kiosk.locator("#rate-ask")).to_be_hidden()


def test_an_undelivered_case_is_refused_and_an_idle_dialog_closes(kiosk, live_server):
    """A case still being processed is 尚未办结送达, a short number is asked again, and an idle dialog
    closes after a minute, starting empty when opened again."""
    token = live_server.token("clerk1")
    running = live_server.open_case(token)
    enter_case(kiosk, running["case_no"])
    enter_phone(kiosk, PHONE)
    send_grade(kiosk, 4, status=409)
    expect(kiosk.locator("#rate-error")).to_have_text("该办件尚未办结送达，送达后才能评价")
    expect(kiosk.locator("#rate-number")).to_have_value(running["case_no"])
    kiosk.click("#rate-cancel")

    kiosk.click("#rate-open")
    kiosk.click('.k-rate-modes button[data-mode="case"]')
    type_number(kiosk, "2026")
    kiosk.click("#rate-next")
    expect(kiosk.locator("#rate-error")).to_contain_text("请输入完整的办件编号")
    kiosk.clock.run_for(50_000)
    expect(kiosk.locator("#rate-dialog")).to_be_visible()
    kiosk.clock.run_for(15_000)
    expect(kiosk.locator("#rate-dialog")).to_be_hidden()
    kiosk.click("#rate-open")
    kiosk.click('.k-rate-modes button[data-mode="case"]')
    expect(kiosk.locator("#rate-number")).to_have_value("XIQU-")
