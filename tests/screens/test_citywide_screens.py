"""同城办 on the screens (Chromium): a clerk of 彩虹社区 takes in a case decided by 东区 and collected at
起湾社区; its paper file is sent and received on transfer slips (流转单) in the back office; a file on
the road too long reaches the supervisor screen.

The server runs on the real clock, so the overdue slip is made by moving its sending day back a month
in the live server's SQLite file, as other screen tests set up a scene in the database.
"""

import sqlite3
from contextlib import closing

from playwright.sync_api import expect

from tests.cases.test_citywide import body as citywide_body
from tests.screens.helpers import ID_NUMBER, PHONE, new_tab, sign_in
from tests.screens.test_window_client import sign_in as sign_in_at_window

TIMEOUT = 8000  # ms
EAST = "中山市东区行政服务中心"
QIWAN = "中山市东区起湾社区服务中心"


def citywide_case(live_server, token: str) -> dict:
    """Open and accept, through the API, a 同城办 case at 彩虹 decided by 东区; return it."""
    status, case = live_server.call("POST", "/api/v1/cases", citywide_body(), token)
    assert status == 201, case
    status, case = live_server.call(
        "POST", f"/api/v1/cases/{case['case_no']}/transitions", {"trigger": "accept"}, token
    )
    assert status == 200, case
    return case


def serving_at_caihong(live_server, token: str) -> int:
    """Open 彩虹's 社会事务 window, call a new ticket there and start it; return the window's id."""
    _, windows = live_server.call("GET", "/api/v1/halls/caihong/windows", token=token)
    window = next(w for w in windows if "shsw" in w["queues"])
    live_server.call("POST", f"/api/v1/windows/{window['id']}/status", {"status": "open"}, token)
    status, ticket = live_server.call("POST", "/api/v1/halls/caihong/tickets", {"queue": "shsw"})
    assert status == 201, ticket
    status, called = live_server.call("POST", f"/api/v1/windows/{window['id']}/call-next", token=token)
    assert status == 200, called
    status, started = live_server.call("POST", f"/api/v1/tickets/{called['id']}/start", token=token)
    assert status == 200, started
    return window["id"]


def test_a_community_clerk_takes_in_a_case_decided_and_collected_elsewhere(page, live_server):
    """Does the 受理 panel offer 办件管辖 for 同城办 (default the own district) and the city's pickup halls
    (default this hall), send both, and show them on the created case?"""
    token = live_server.token("caihong_clerk")
    window_id = serving_at_caihong(live_server, token)
    sign_in_at_window(page, live_server, "caihong_clerk", window_id)
    expect(page.locator("#btn-intake")).to_be_enabled(timeout=TIMEOUT)
    page.keyboard.press("F10")
    dialog = page.locator("#intake-dialog")
    expect(dialog).to_be_visible()
    page.fill("#in-q", "SCJG-001")
    dialog.locator('.c-result[data-code="SCJG-001"]').click()
    expect(dialog.locator("#in-item-name")).to_have_text("营业执照（企业设立登记）", timeout=TIMEOUT)

    # 办件管辖 only for 同城办; the defaults are this community's district and this hall.
    expect(dialog.locator("#in-mode")).to_have_value("citywide")
    expect(dialog.locator("#in-jurisdiction-field")).to_be_visible()
    expect(dialog.locator("#in-delivery-legend")).to_have_text("领取方式")
    expect(dialog.locator("#in-jurisdiction")).to_have_value("xiqu")
    expect(dialog.locator("#in-jurisdiction option")).to_have_count(2)  # the district halls
    expect(dialog.locator("#in-pickup-hall")).to_have_value("caihong")
    expect(dialog.locator('#in-pickup-hall option[value="qiwan"]')).to_have_count(1)
    dialog.locator("#in-jurisdiction").select_option("dongqu")
    dialog.locator("#in-pickup-hall").select_option("qiwan")

    page.fill("#in-name", "赵六")
    page.fill("#in-id", ID_NUMBER)
    page.fill("#in-phone", PHONE)
    dialog.locator("#in-all-materials").click()
    dialog.locator("#in-accept").click()
    expect(dialog.locator("#in-result-label")).to_have_text("已受理", timeout=TIMEOUT)
    city = dialog.locator("#in-case-city")
    expect(city).to_have_text(f"办件管辖：{EAST} · 领取大厅：{QIWAN}")
    page.screenshot(path="/tmp/window-intake-citywide.png")

    case_no = dialog.locator("#in-case-no").inner_text()
    status, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=token)
    assert status == 200, case
    assert (case["hall"], case["jurisdiction"], case["delivery"]["hall"]) == ("caihong", "dongqu", "qiwan")
    assert case["mode"] == "citywide" and case["department"] == "dq_scjg"


def test_the_paper_file_is_sent_and_received_on_transfer_slips(browser, page, live_server):
    """Does 彩虹's clerk send a case's file to 东区 from the back office, 东区's clerk receive it from
    待签收 and send it on to 起湾, and the case's detail list its slips?"""
    case_no = citywide_case(live_server, live_server.token("caihong_clerk"))["case_no"]
    sign_in(page, live_server, "/backoffice/", "caihong_clerk")
    page.click('.bo-tab[data-tab="transfers"]')
    expect(page.locator("#bo-transfers")).to_be_visible()
    expect(page.locator("#bo-table-wrap")).to_be_hidden()
    expect(page.locator('#tr-to option[value="dongqu"]')).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator('#tr-to option[value="caihong"]')).to_have_count(0)  # the file is here already
    page.fill("#tr-case-no", case_no)
    page.select_option("#tr-to", "dongqu")
    page.click("#tr-send")
    expect(page.locator("#bo-banner")).to_contain_text("已发出案卷", timeout=TIMEOUT)
    sent = page.locator(f'#tr-outbox tr[data-case-no="{case_no}"]')
    expect(sent).to_contain_text("中山市西区彩虹社区服务中心 → 中山市东区行政服务中心")
    expect(sent).to_contain_text("在途")

    # The case's detail: its slip on the road, and no second sending while it is.
    sent.locator("a").click()
    expect(page.locator("#d-case-no")).to_have_text(case_no, timeout=TIMEOUT)
    expect(page.locator("#d-jurisdiction")).to_have_text(EAST)
    expect(page.locator("#d-transfers li")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("#d-transfers li")).to_contain_text("在途")
    expect(page.locator("#d-transfer-form")).to_be_hidden()

    with new_tab(browser) as east:
        sign_in(east, live_server, "/backoffice/", "dongqu_clerk1")
        east.click('.bo-tab[data-tab="transfers"]')
        waiting = east.locator(f'#tr-inbox tr[data-case-no="{case_no}"]')
        expect(waiting).to_be_visible(timeout=TIMEOUT)
        expect(east.locator('.bo-tab[data-tab="transfers"] .bo-count')).not_to_have_text("0")
        waiting.get_by_role("button", name="签收").click()
        expect(east.locator("#bo-banner")).to_contain_text("已签收案卷", timeout=TIMEOUT)
        expect(waiting).to_have_count(0)
        here = east.locator(f'#tr-done tr[data-case-no="{case_no}"]')
        expect(here).to_contain_text("阮嘉敏")
        east.screenshot(path="/tmp/backoffice-transfers.png")

        # On to the pickup hall: 转出 fills in the case, 发往 起湾.
        here.get_by_role("button", name="转出").click()
        expect(east.locator("#tr-case-no")).to_have_value(case_no)
        east.select_option("#tr-to", "qiwan")
        east.click("#tr-send")
        onward = east.locator(f'#tr-outbox tr[data-case-no="{case_no}"]')
        expect(onward).to_contain_text(QIWAN, timeout=TIMEOUT)

    page.click("#bo-refresh")
    slips = page.locator("#d-transfers li")
    expect(slips).to_have_count(2, timeout=TIMEOUT)
    expect(slips.first).to_contain_text("阮嘉敏")
    expect(slips.nth(1)).to_contain_text(QIWAN)
    status, answer = live_server.call("GET", f"/api/v1/cases/{case_no}/transfers", token=live_server.token())
    assert status == 403, answer  # another hall's clerk (西区) reads no slips of it


def test_the_supervisor_sees_a_file_on_the_road_too_long(browser, page, live_server):
    """Does a slip sent a month ago and not received show on the supervisor screen with its working days,
    for the community's supervisor and for the district's (its branch)?"""
    token = live_server.token("caihong_clerk")
    case_no = citywide_case(live_server, token)["case_no"]
    status, slip = live_server.call("POST", f"/api/v1/cases/{case_no}/transfers", {"to": "dongqu"}, token)
    assert status == 201, slip
    path = live_server.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "UPDATE case_transfers SET sent_at = datetime(sent_at, '-30 days') WHERE id = ?", (slip["id"],)
        )

    sign_in(page, live_server, "/supervisor/", "supervisor_caihong")
    late = page.locator(f'#sv-transit tr[data-slip="{slip["id"]}"]')
    expect(late).to_be_visible(timeout=TIMEOUT)
    expect(late).to_contain_text(case_no)
    expect(late).to_contain_text("中山市西区彩虹社区服务中心")
    expect(late).to_contain_text(EAST)
    days = int(late.locator("td.num").inner_text().split()[0])
    assert days > 2
    expect(page.locator("#sv-transit-rule")).to_have_text("在途超过 2 个工作日")
    expect(page.locator("#sv-transit-empty")).to_be_hidden()
    page.screenshot(path="/tmp/supervisor-transit.png")

    with new_tab(browser) as district:
        sign_in(district, live_server, "/supervisor/", "supervisor1")  # 西区: the branch's slips too
        expect(district.locator(f'#sv-transit tr[data-slip="{slip["id"]}"]')).to_be_visible(timeout=TIMEOUT)
