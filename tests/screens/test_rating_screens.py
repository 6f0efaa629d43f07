"""好差评 in the browser: the window evaluator, the ticket status page, and the supervisor's rectification
page.

Against a real server: a clerk serves tickets through the API; the citizen rates on the screen
facing the window or on the ticket's status page; a supervisor assigns and closes the bad rating.
"""

import html
import re
import urllib.request

from playwright.sync_api import expect

from tests.screens.helpers import open_window, serve, sign_in

TIMEOUT = 8000


def test_evaluator_asks_after_the_window_finishes_and_a_supervisor_closes_the_bad_rating(
    page, browser, live_server
):
    """The evaluator of window 1 asks 请您评价 for the ticket just finished; a 2 with a reason opens a
    rectification item, which the supervisor assigns and closes on the rectification page."""
    token, window_id = open_window(live_server, 1, "clerk1")
    page.goto(f"{live_server.url}/evaluate/{window_id}")
    expect(page.locator("#ev-live")).to_have_text("● 评价器已连接", timeout=TIMEOUT)
    expect(page.locator("#ev-idle")).to_be_visible()

    ticket = serve(live_server, token, window_id)
    expect(page.locator("#ev-ask")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#ev-number")).to_have_text(ticket["number"])
    page.click('.ev-grade[data-grade="2"]')
    expect(page.locator("#ev-reasons")).to_be_visible()
    with page.expect_response(re.compile(r"/api/v1/ratings$")) as answer:
        page.click("text=等候时间长")
    assert answer.value.status == 201
    expect(page.locator("#ev-thanks-text")).to_have_text("感谢您的评价！")

    supervisor = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    sign_in(supervisor, live_server, "/reports/rectifications", "supervisor1")
    item = supervisor.locator("#r-items > li").filter(has_text=ticket["number"])
    expect(item).to_contain_text("2分 不满意", timeout=TIMEOUT)
    expect(item).to_contain_text("【等候时间长】")
    expect(item).to_contain_text("窗口评价器")
    expect(item).to_contain_text("待分派")

    item.locator('form[data-trigger="assign"] input').fill("clerk1")
    item.locator('form[data-trigger="assign"] button').click()
    item = supervisor.locator("#r-items > li").filter(has_text=ticket["number"])
    expect(item).to_contain_text("整改中", timeout=TIMEOUT)
    expect(item).to_contain_text("责任人 陈嘉欣")
    item.locator('form[data-trigger="close"] textarea').fill("高峰时段增开3号窗口")
    item.locator('form[data-trigger="close"] button').click()
    item = supervisor.locator("#r-items > li").filter(has_text=ticket["number"])
    expect(item).to_contain_text("整改措施：高峰时段增开3号窗口", timeout=TIMEOUT)
    expect(item).to_have_attribute("data-state", "closed")
    supervisor.context.close()


def qr_address(live_server, ticket: dict) -> str:
    """The status page address the ticket's QR code carries (read from the kiosk's QR image)."""
    image = f"{live_server.url}/t/{ticket['id']}/qr.svg?k={ticket['rating_token']}"
    with urllib.request.urlopen(image) as answer:
        svg = answer.read().decode()
    address = html.unescape(re.search(r"<title>([^<]+)</title>", svg).group(1))
    assert address.endswith(f"/t/{ticket['id']}?k={ticket['rating_token']}"), address
    return address


def test_status_page_offers_the_rating_once_the_ticket_is_done(page, live_server):
    """The status page opened from the ticket's QR code shows the rating box once the ticket is done,
    sends the ticket's token with the rating, and remembers the rating."""
    token, window_id = open_window(live_server, 2, "clerk2")
    ticket = serve(live_server, token, window_id)
    page.goto(qr_address(live_server, ticket))
    box = page.locator("#s-rate")
    expect(box).to_be_visible(timeout=TIMEOUT)
    expect(box).to_contain_text("请您对本次服务作出评价")
    box.locator('.wr-grade[data-grade="5"]').click()
    box.locator(".wr-comment").fill("很快，谢谢")
    with page.expect_response(re.compile(r"/api/v1/ratings$")) as answer:
        box.locator(".wr-send").click()
    assert answer.value.status == 201
    assert answer.value.request.post_data_json["token"] == ticket["rating_token"]
    assert answer.value.json()["channel"] == "status_page"
    expect(box).to_have_text("感谢您的评价！")

    page.reload()
    expect(page.locator("#s-rate")).to_have_text("感谢您的评价！", timeout=TIMEOUT)
    status, again = live_server.call(
        "POST", "/api/v1/ratings", {"ticket_id": ticket["id"], "token": ticket["rating_token"], "grade": 1}
    )
    assert status == 409, again


def test_status_page_without_the_token_offers_no_rating(page, live_server):
    """A done ticket's status page opened by its bare address (or with a wrong k) shows its state but no
    rating box: only the QR code's address rates, and the API refuses a rating without the token."""
    token, window_id = open_window(live_server, 3, "clerk3")
    ticket = serve(live_server, token, window_id)
    for address in (f"/t/{ticket['id']}", f"/t/{ticket['id']}?k={'0' * 32}"):
        page.goto(live_server.url + address)
        expect(page.locator("#status")).to_have_attribute("data-state", "done", timeout=TIMEOUT)
        expect(page.locator("#s-rate")).to_be_hidden()
    status, refused = live_server.call("POST", "/api/v1/ratings", {"ticket_id": ticket["id"], "grade": 5})
    assert status == 403 and refused["error"]["code"] == "forbidden", refused


def test_status_page_of_a_waiting_ticket_offers_no_rating(page, live_server):
    status, ticket = live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsw"})
    assert status == 201
    page.goto(f"{live_server.url}/t/{ticket['id']}")
    expect(page.locator("#s-state")).to_have_text("等候中", timeout=TIMEOUT)
    expect(page.locator("#s-rate")).to_be_hidden()


def test_monthly_report_shows_the_figures(page, live_server):
    """The monthly report page lists the month's tickets and ratings for a supervisor."""
    token, window_id = open_window(live_server, 3, "clerk3")
    serve(live_server, token, window_id)
    sign_in(page, live_server, "/reports/monthly", "supervisor1")
    expect(page.locator("#m-report")).to_have_attribute("aria-busy", "false", timeout=TIMEOUT)
    status, figures = live_server.call(
        "GET", "/api/v1/halls/xiqu/stats", token=live_server.token("supervisor1")
    )
    assert status == 200, figures
    cells = page.locator("#m-tickets tbody td")
    expect(cells.nth(0)).to_have_text(str(figures["tickets"]["issued"]))
    expect(cells.nth(1)).to_have_text(str(figures["tickets"]["served"]))
    expect(page.locator("#m-ratings tbody td").nth(0)).to_have_text(str(figures["ratings"]["count"]))
    expect(page.locator("#m-queues tbody tr").filter(has_text="商事登记")).to_have_count(1)


def test_staffing_page_runs_the_what_if(page, live_server):
    """The staffing page asks the API for the chosen queue and says when it has no history to go on."""
    sign_in(page, live_server, "/reports/staffing", "supervisor1")
    expect(page.locator("#s-summary")).to_contain_text("商事登记", timeout=TIMEOUT)
    with page.expect_response(re.compile(r"/queues/shsw/staffing\?target_s=600&percentile=0.9&days=20")):
        page.fill("#s-target", "10")
        page.select_option("#s-queue", "shsw")
    expect(page.locator("#s-summary")).to_contain_text("社会事务")
    expect(page.locator("#s-summary")).to_contain_text("该期间没有取号记录")
