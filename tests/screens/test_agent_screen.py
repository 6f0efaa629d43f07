"""The agent screen (/agent/) on a phone (390×844) against a real server: a citizen's 上门办理 request
appears live, the agent takes it, calls, books the visit (seen on the applicant's progress page),
collects the materials and submits; the supervisor sees the roster and the figures per agent."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import ID_NUMBER, KIOSK_SCREEN, PHONE, PHONE_SCREEN, new_tab, sign_in

TIMEOUT = 8000
HOME = "广东省中山市西区彩虹大道8号3栋502"


def ask(live_server, name: str, **fields) -> dict:
    body = {"hall": "xiqu", "service": "MZ-004", "applicant": {"name": name, "phone": PHONE}, **fields}
    status, answer = live_server.call("POST", "/api/v1/public/agent-requests", body)
    assert status == 201, answer
    return answer


def card(page, case_no: str):
    return page.locator(f'.ag-card[data-case-no="{case_no}"]')


def test_agent_takes_a_request_books_a_visit_and_submits(phone_page, browser, live_server):
    """Does a request reach the agent's phone live, and go through take, call, visit and submit?"""
    first = ask(live_server, "李阿婆", address=HOME, home_visit=True, reasons=["elderly"], channel="kiosk")
    page = phone_page
    sign_in(page, live_server, "/agent/", "agent1")
    expect(card(page, first["case_no"])).to_be_visible(timeout=TIMEOUT)
    expect(card(page, first["case_no"])).to_contain_text("上门办理（高龄）")
    expect(page.locator("#ag-conn")).to_have_text("● 实时连接", timeout=TIMEOUT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    # A request made now shows up without reloading (agent_case_updated).
    second = ask(live_server, "王伯", address=HOME, home_visit=True, reasons=["disabled"])
    expect(card(page, second["case_no"])).to_be_visible(timeout=TIMEOUT)

    card(page, first["case_no"]).click()
    expect(page.locator("#ag-detail")).to_be_visible()
    expect(page.locator("#ag-list")).to_be_hidden()  # a phone shows one thing at a time
    expect(page.locator("#d-call")).to_be_hidden()  # the full phone only once taken
    page.click("#d-take")
    expect(page.locator("#d-state")).to_have_text("代办员办理中", timeout=TIMEOUT)
    expect(page.locator("#d-call")).to_have_attribute("href", f"tel:{PHONE}")
    assert page.locator("#d-take").bounding_box() is None or not page.locator("#d-take").is_visible()

    when = (datetime.now() + timedelta(days=2)).replace(hour=9, minute=30)
    expect(page.locator("#d-visit-address")).to_have_value(HOME)
    page.fill("#d-visit-at", when.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_response(re.compile(r"/visit$")):
        page.click("#d-visit-form button[type=submit]")
    expect(page.locator("#d-visit")).to_have_text(when.strftime("%Y-%m-%d %H:%M"), timeout=TIMEOUT)
    page.screenshot(path="/tmp/agent-visit.png")

    # The applicant sees the visit on the public progress page.
    with new_tab(browser, PHONE_SCREEN) as citizen:
        citizen.goto(f"{live_server.url}/progress/{first['case_no']}")
        citizen.fill("#p-phone", PHONE)
        citizen.click("#p-submit")
        expect(citizen.locator("#r-visit")).to_have_text(
            f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}（上门办理）", timeout=TIMEOUT
        )

    # Collect the materials, type the ID number, submit to the department.
    page.check("#m-got-0")
    page.check("#m-seen-0")
    page.click("#d-submit-form button[type=submit]")
    expect(page.locator("#d-error")).to_contain_text("身份证号", timeout=TIMEOUT)
    page.fill("#d-id-number", ID_NUMBER)
    page.click("#d-submit-form button[type=submit]")
    expect(page.locator("#d-state")).to_have_text("已提交，待受理", timeout=TIMEOUT)
    expect(page.locator("#d-history")).to_contain_text("提交")
    status, case = live_server.call(
        "GET", f"/api/v1/cases/{first['case_no']}", token=live_server.token("agent1")
    )
    assert case["materials"] == [{"name": "高龄老人津贴申请表", "original_seen": True, "copies": 1}]

    page.click("#ag-back")
    page.click('.ag-tab[data-tab="mine"]')
    expect(card(page, first["case_no"])).to_be_visible()
    page.click('.ag-tab[data-tab="requests"]')
    expect(card(page, first["case_no"])).to_have_count(0)


def test_supervisor_sees_roster_and_figures(page, live_server):
    """Does the hall's supervisor see who serves the hall and what each agent did?"""
    sign_in(page, live_server, "/supervisor/", "supervisor1")
    page.click("#sv-agents")  # the supervisor screen links the roster
    page.wait_for_url("**/agent/#roster")
    agent1 = page.locator("#r-roster tr", has_text="冯少华")
    expect(agent1).to_contain_text("中山市西区行政服务中心", timeout=TIMEOUT)
    expect(page.locator("#r-roster tr", has_text="林秀英")).to_have_count(1)
    expect(page.locator("#r-figures")).to_contain_text("林秀英")


@pytest.mark.parametrize("username", ["clerk1"])
def test_other_roles_are_refused(page, live_server, username):
    """Is the agent screen refused (403) to a user who is neither an agent nor a supervisor?"""
    page.goto(f"{live_server.url}/login?next=/agent/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    with page.expect_response(lambda r: r.url.endswith("/agent/") and r.request.method == "GET") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 403


def test_citizen_asks_for_a_home_visit_from_the_guide(phone_page, live_server):
    """Does the guide of an item with 代理办 offer the form, and does its request reach the chosen station?"""
    page = phone_page
    page.goto(f"{live_server.url}/portal/services/MZ-001")
    expect(page.locator("#agent-box")).to_be_visible(timeout=TIMEOUT)
    page.select_option("#ar-hall", "jinse")
    page.fill("#ar-name", "陈伯")
    page.fill("#ar-phone", PHONE)
    page.check("#ar-home")
    page.click("#ar-submit")
    expect(page.locator(".ar-error")).to_contain_text("上门地址", timeout=TIMEOUT)
    page.fill("#ar-address", HOME)
    page.check("input[name=ar-reason][value=ill]")
    page.click("#ar-submit")
    case_no = page.locator("#ar-case-no")
    expect(case_no).to_be_visible(timeout=TIMEOUT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _, listed = live_server.call(
        "GET", "/api/v1/cases?state=agent_requested", token=live_server.token("jinse_agent")
    )
    mine = [case for case in listed["items"] if case["case_no"] == case_no.text_content()]
    assert mine and mine[0]["agent_request"]["reasons"] == ["ill"] and mine[0]["hall"] == "jinse"


def ask_for_an_agent(tab, screen: str, form: str, item: str, name: str) -> str:
    """Ask for an agent in a screen's 申请代办 dialog (its ids: #{screen}agent-open, #{form}-name, …) for this
    item, name and PHONE; return the case number the screen shows."""
    tab.click(f"#{screen}agent-open")
    tab.select_option(f"#{screen}agent-item", item)
    tab.fill(f"#{form}-name", name)
    tab.fill(f"#{form}-phone", PHONE)
    tab.click(f"#{form}-submit")
    expect(tab.locator(f"#{form}-case-no")).to_be_visible(timeout=TIMEOUT)
    return tab.locator(f"#{form}-case-no").text_content()


def test_station_kiosk_asks_its_agents(browser, live_server):
    """Does a station's kiosk offer 申请代办, and does the request reach that station's agents?"""
    with new_tab(browser, KIOSK_SCREEN) as kiosk:
        kiosk.goto(f"{live_server.url}/kiosk/jinse")
        expect(kiosk.locator("#agent-open")).to_be_visible(timeout=TIMEOUT)
        case_no = ask_for_an_agent(kiosk, "", "kar", "MZ-002", "黄婆婆")
    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=live_server.token("jinse_agent"))
    assert (case["hall"], case["service"], case["agent_request"]["channel"]) == ("jinse", "MZ-002", "kiosk")


def test_booking_page_offers_an_agent_instead(phone_page, live_server):
    """Does the booking page offer 申请代办 for the hall's items that allow it, and take the request?"""
    page = phone_page
    page.goto(f"{live_server.url}/book/xiqu")
    case_no = ask_for_an_agent(page, "b-", "bar", "MZ-004", "何叔")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=live_server.token("supervisor1"))
    assert (case["state"], case["agent_request"]["channel"]) == ("agent_requested", "booking")
