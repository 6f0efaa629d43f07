"""The public progress page of a case (/progress/<case_no>) on a phone, against a real server.

A window clerk (clerk1) opens and accepts a case through the API; the applicant opens the page the
QR code of the 受理通知书 points to, gives a phone number and sees the case's state and history.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PICKUP, applicant
from tests.live import LiveServer
from tests.screens.helpers import PHONE, accepted_case

TIMEOUT = 5000
WRONG_PHONE = "13900139000"


def open_accepted_case(live_server) -> dict:
    """Open a 一次办 case at the window as clerk1 and accept it; return the case."""
    return accepted_case(live_server, live_server.token("clerk1"), "张小三")


def ask(page, phone: str) -> None:
    page.fill("#p-phone", phone)
    with page.expect_response(re.compile(r"/api/v1/public/cases/")):
        page.click("#p-submit")


def test_wrong_phone_then_right_phone(phone_page, live_server):
    """A wrong phone gets the one message for every miss; the right one shows the item, state, deadline and
    history."""
    case = open_accepted_case(live_server)
    case_no = case["case_no"]
    assert case["progress_url"].endswith(f"/progress/{case_no}")
    status, progress = live_server.call("GET", f"/api/v1/public/cases/{case_no}?phone={PHONE}")
    assert status == 200, progress

    page = phone_page
    page.goto(f"{live_server.url}/progress/{case_no}")
    assert "width=device-width" in page.locator('meta[name="viewport"]').get_attribute("content")
    expect(page.locator("#p-case-no")).to_have_text(case_no)
    assert page.locator("#p-submit").bounding_box()["height"] >= 44  # a thumb-sized target
    page.screenshot(path="/tmp/progress-ask.png")

    ask(page, WRONG_PHONE)
    expect(page.locator("#p-error")).to_have_text("办件编号或手机号不正确")
    expect(page.locator("#p-result")).to_be_hidden()

    ask(page, PHONE)
    expect(page.locator("#p-result")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#p-form")).to_be_hidden()
    expect(page.locator("#r-case-no")).to_have_text(case_no)
    expect(page.locator("#r-service")).to_have_text(progress["service_name"])
    expect(page.locator("#r-state")).to_have_text(progress["state_name"])
    expect(page.locator("#r-applicant")).to_have_text(progress["applicant"]["name"])
    assert progress["applicant"]["name"] != "张小三"  # masked
    year, month, day = (int(part) for part in progress["deadline"].split("-"))
    expect(page.locator("#r-deadline")).to_have_text(f"{year}年{month}月{day}日前")
    expect(page.locator("#r-delivery")).to_contain_text("邮寄送达")

    steps = page.locator("#r-history li")
    expect(steps).to_have_count(len(progress["history"]))
    assert len(progress["history"]) >= 3  # created, accepted, dispatched
    names = [step.inner_text().split("\n")[0] for step in steps.all()]
    assert names == [entry["state_name"] for entry in reversed(progress["history"])]  # newest first
    expect(steps.first).to_have_class(re.compile(r"\bis-current\b"))
    expect(steps.last.locator("time")).to_have_attribute("datetime", progress["history"][0]["at"])
    page.screenshot(path="/tmp/progress-result.png", full_page=True)

    # The clerk asks for a supplement: 刷新 shows the new state and what to bring.
    token = live_server.token("approver_scjg")
    live_server.call("POST", f"/api/v1/cases/{case_no}/transitions", {"trigger": "claim"}, token)
    status, changed = live_server.call(
        "POST",
        f"/api/v1/cases/{case_no}/transitions",
        {
            "trigger": "request_supplement",
            "data": {"missing": ["从业人员健康证明"]},
        },
        token,
    )
    assert status == 200, changed
    with page.expect_response(re.compile(r"/api/v1/public/cases/")):
        page.click("#p-refresh")
    expect(page.locator("#r-state")).to_have_text("待补正材料")
    expect(page.locator("#r-missing li")).to_have_text(["从业人员健康证明"])
    expect(page.locator("#r-history li").first).to_contain_text("待补正材料")


def test_a_malformed_phone_is_not_sent(phone_page, live_server):
    """A number that cannot be a mobile number is refused on the page, without spending a guess."""
    case_no = open_accepted_case(live_server)["case_no"]
    page = phone_page
    page.goto(f"{live_server.url}/progress/{case_no}")
    calls = []
    page.on("request", lambda request: calls.append(request.url) if "/public/cases/" in request.url else None)
    page.fill("#p-phone", "12345")
    page.click("#p-submit")
    expect(page.locator("#p-error")).to_have_text("请输入正确的11位手机号码")
    assert calls == []


def test_lookup_by_typed_case_number(phone_page, live_server):
    """Without a number in the address (/progress/), can the applicant type it in?"""
    case_no = open_accepted_case(live_server)["case_no"]
    page = phone_page
    page.goto(f"{live_server.url}/progress/")
    page.fill("#p-case", case_no)
    ask(page, PHONE)
    expect(page.locator("#r-case-no")).to_have_text(case_no, timeout=TIMEOUT)


def test_a_bundle_shows_each_part_and_a_parts_supplement(phone_page, live_server):
    """一件事 退休: does the applicant see each part with its department, the part waiting for the other
    as 等待前置事项, and what a part's 一次性告知 asks for?"""
    clerk = live_server.token("clerk1")
    bundle = live_server.open_case(
        clerk, service="YJS-005", mode="bundle", applicant=applicant("张小三"), delivery=PICKUP
    )
    no = bundle["case_no"]
    live_server.call("POST", f"/api/v1/cases/{no}/transitions", {"trigger": "accept"}, clerk)
    pension = next(child["case_no"] for child in bundle["children"] if child["service"] == "RSJ-005")
    approver = live_server.token("approver_rsj")
    live_server.call("POST", f"/api/v1/cases/{pension}/transitions", {"trigger": "claim"}, approver)
    notice = {"trigger": "request_supplement", "data": {"missing": ["本人人事档案"]}}
    status, _ = live_server.call("POST", f"/api/v1/cases/{pension}/transitions", notice, approver)
    assert status == 200

    page = phone_page
    page.goto(f"{live_server.url}/progress/{no}")
    ask(page, PHONE)
    box = page.locator("#r-parts-box")
    expect(box).to_be_visible(timeout=TIMEOUT)
    expect(box.locator("li")).to_have_count(2)
    part = box.locator('li[data-service="RSJ-005"]')
    expect(part).to_contain_text("退休待遇申领")
    expect(part).to_contain_text("中山市人力资源和社会保障局西区分局")
    expect(part.locator(".p-part-missing")).to_have_text("请补正：本人人事档案")
    waiting = box.locator('li[data-service="YBJ-003"]')
    expect(waiting).to_have_attribute("data-state", "waiting")
    expect(waiting.locator(".p-part-state")).to_have_text("等待前置事项")
    page.screenshot(path="/tmp/progress-bundle.png", full_page=True)


@pytest.fixture(scope="module")
def strict_server(live_server):
    """A second server on the same database with rate limits on: two wrong phones per case an hour."""
    server = LiveServer(
        live_server.database_url,
        extra_env={
            "RATELIMIT_ENABLED": "true",
            "RATELIMIT_PROGRESS_GUESSES": "2/hour",
        },
    ).start()
    yield server
    server.stop()


def test_too_many_wrong_phones(phone_page, live_server, strict_server):
    """After the wrong-phone limit, does the page say to try later instead of 'wrong phone'?"""
    case_no = open_accepted_case(live_server)["case_no"]
    page = phone_page
    page.goto(f"{strict_server.url}/progress/{case_no}")
    for _ in range(2):
        ask(page, WRONG_PHONE)
        expect(page.locator("#p-error")).to_have_text("办件编号或手机号不正确")
    ask(page, WRONG_PHONE)
    expect(page.locator("#p-error")).to_have_text("尝试次数过多，请稍后再试")
    page.screenshot(path="/tmp/progress-limited.png")
