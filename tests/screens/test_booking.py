"""Booking on a phone (/book/<hall>) and checking in at the kiosk, in a real browser against a real server.

The server runs on the real clock. So that a booking made now can be checked in now, check-in opens
APPOINTMENT_CHECKIN_EARLY_MIN (here about three weeks) before the slot, and bookings reach 14 days ahead.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import own_live_server

TIMEOUT = 5000
PHONE = "13800138000"
OTHER_PHONE = "13900139000"
APPOINTMENTS = re.compile(r"/api/v1/appointments(/[^?]+)?(\?.*)?$")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A production-like server whose bookings can be checked in at once."""
    env = {"APPOINTMENT_CHECKIN_EARLY_MIN": "30000", "APPOINTMENT_DAYS_AHEAD": "14"}
    with own_live_server(tmp_path_factory, "booking", **env) as server:
        yield server


def book_on_the_page(page, live_server, phone: str) -> dict:
    """Book 商事登记 in the first free slot of the first bookable day; return the API's answer."""
    page.goto(f"{live_server.url}/book/xiqu")
    page.click('.b-queue[data-queue="shsd"]')
    with page.expect_response(re.compile(r"/api/v1/halls/xiqu/slots\?")):
        page.locator(".b-day").first.click()
    free = page.locator(".b-slot:not([disabled])").first
    expect(free).to_be_visible(timeout=TIMEOUT)
    free.click()
    expect(free).to_have_attribute("aria-checked", "true")
    page.fill("#b-name", "张小三")
    page.fill("#b-phone", phone)
    with page.expect_response(APPOINTMENTS) as answer:
        page.click("#b-submit")
    assert answer.value.status == 201, answer.value.json()
    return answer.value.json()


def slot_of(live_server, booking: dict) -> dict:
    day = booking["start"][:10]
    status, slots = live_server.call("GET", f"/api/v1/halls/xiqu/slots?date={day}&queue={booking['queue']}")
    assert status == 200, slots
    return next(slot for slot in slots if slot["id"] == booking["slot_id"])


def test_book_on_a_phone_then_check_in_at_the_kiosk(phone_page, kiosk, live_server):
    """Book on a phone: is the code shown big with slot and hall; typed at the kiosk, does it give a
    priority ticket?"""
    page = phone_page
    booking = book_on_the_page(page, live_server, PHONE)
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", booking["code"])
    assert "width=device-width" in page.locator('meta[name="viewport"]').get_attribute("content")

    expect(page.locator("#b-done")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#d-code")).to_have_text(booking["code"])
    expect(page.locator("#d-queue")).to_have_text("商事登记")
    expect(page.locator("#d-hall")).to_have_text("中山市西区行政服务中心")
    expect(page.locator("#d-time")).to_contain_text(booking["start"][11:16])
    assert (
        float(page.locator("#d-code").evaluate("node => parseFloat(getComputedStyle(node).fontSize)")) >= 32
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert slot_of(live_server, booking)["booked"] == 1
    page.screenshot(path="/tmp/booking-done.png", full_page=True)

    kiosk.click("#checkin-open")
    expect(kiosk.locator("#checkin-dialog")).to_be_visible()
    for key in booking["code"]:
        kiosk.click(f'#checkin-keys button[data-key="{key}"]')
    expect(kiosk.locator("#checkin-code")).to_have_value(booking["code"])
    with kiosk.expect_response("**/api/v1/halls/xiqu/tickets") as answer:
        kiosk.click("#checkin-submit")
    ticket = answer.value.json()
    assert answer.value.status == 201, ticket
    assert (ticket["queue"], ticket["priority"], ticket["priority_reason"]) == ("shsd", "priority", "预约")
    expect(kiosk.locator("#ticket-view")).to_be_visible(timeout=TIMEOUT)
    expect(kiosk.locator("#t-number")).to_have_text(ticket["number"])
    expect(kiosk.locator("#t-priority")).to_have_text("绿色通道 · 预约")
    expect(kiosk.locator("#t-queue")).to_have_text("商事登记")
    kiosk.screenshot(path="/tmp/booking-kiosk-ticket.png")

    # The same code a second time: refused in the dialog, no second ticket.
    kiosk.click("#t-done")
    kiosk.click("#checkin-open")
    kiosk.fill("#checkin-code", booking["code"].lower())
    with kiosk.expect_response("**/api/v1/halls/xiqu/tickets") as again:
        kiosk.click("#checkin-submit")
    assert again.value.status == 409
    expect(kiosk.locator("#checkin-error")).to_contain_text("已签到")
    expect(kiosk.locator("#ticket-view")).to_be_hidden()

    # On the phone, 我的预约 shows the booking checked in, without a cancel button.
    page.click("#tab-mine")
    page.fill("#m-code", booking["code"])
    page.fill("#m-phone", PHONE)
    page.click("#m-submit")
    expect(page.locator("#r-state")).to_have_text("已签到", timeout=TIMEOUT)
    expect(page.locator("#r-cancel")).to_be_hidden()


def test_look_up_and_cancel_on_a_phone(phone_page, live_server):
    """Under 我的预约, does a wrong phone get one message, and the right one show and cancel the booking?"""
    page = phone_page
    booking = book_on_the_page(page, live_server, OTHER_PHONE)
    booked_before = slot_of(live_server, booking)["booked"]
    page.click("#b-again")
    page.click("#tab-mine")
    expect(page.locator("#view-mine")).to_be_visible()
    page.fill("#m-code", booking["code"])
    page.fill("#m-phone", PHONE)
    with page.expect_response(APPOINTMENTS):
        page.click("#m-submit")
    expect(page.locator("#m-error")).to_have_text("预约码或手机号不正确")
    expect(page.locator("#m-result")).to_be_hidden()

    page.fill("#m-phone", OTHER_PHONE)
    with page.expect_response(APPOINTMENTS):
        page.click("#m-submit")
    expect(page.locator("#r-state")).to_have_text("已预约", timeout=TIMEOUT)
    expect(page.locator("#r-code")).to_have_text(booking["code"])
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(APPOINTMENTS) as answer:
        page.click("#r-cancel")
    assert answer.value.request.method == "DELETE" and answer.value.status == 200
    expect(page.locator("#r-state")).to_have_text("已取消")
    expect(page.locator("#r-cancel")).to_be_hidden()
    assert slot_of(live_server, booking)["booked"] == booked_before - 1


def test_kiosk_refuses_an_unknown_code(kiosk):
    kiosk.click("#checkin-open")
    kiosk.fill("#checkin-code", "ABCDEFGH")
    with kiosk.expect_response("**/api/v1/halls/xiqu/tickets") as answer:
        kiosk.click("#checkin-submit")
    assert answer.value.status == 400
    expect(kiosk.locator("#checkin-error")).to_have_text("预约码不存在，请核对短信中的预约码")
    kiosk.click("#checkin-cancel")
    expect(kiosk.locator("#checkin-dialog")).to_be_hidden()
