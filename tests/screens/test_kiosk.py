"""The self-service kiosk and a ticket's status page, in a real browser against a real server."""

import html
import re
import urllib.request

from playwright.sync_api import expect

from tests.live import LiveServer

TIMEOUT = 5000
TICKETS = "**/api/v1/halls/xiqu/tickets"


def drain(live_server, queue_window: int, token: str):
    """Empty the queues of a window: call every waiting ticket there and mark it no-show."""
    window = live_server.window_id(queue_window, token)
    live_server.call("POST", f"/api/v1/windows/{window}/status", {"status": "open"}, token)
    while True:
        status, ticket = live_server.call("POST", f"/api/v1/windows/{window}/call-next", token=token)
        if status == 204:
            break
        live_server.call("POST", f"/api/v1/tickets/{ticket['id']}/no_show", token=token)
    live_server.call("POST", f"/api/v1/windows/{window}/status", {"status": "closed"}, token)


def check_ticket_view(kiosk, live_server, ticket):
    """Does the ticket view show the number, people ahead, wait and a QR code of /t/<id>?"""
    view = kiosk.locator("#ticket-view")
    expect(view).to_be_visible(timeout=TIMEOUT)
    expect(kiosk.locator("#t-number")).to_have_text(ticket["number"])
    expect(kiosk.locator("#t-ahead")).to_have_text(str(ticket["waiting_ahead"]))
    expect(kiosk.locator("#t-wait")).not_to_be_empty()
    qr = kiosk.locator("#t-qr")
    # The QR code holds the ticket's rating token (from the issuing answer): only this kiosk may show it.
    holder = f"?k={ticket['rating_token']}"
    assert qr.get_attribute("src") == f"/t/{ticket['id']}/qr.svg{holder}"
    kiosk.wait_for_function("() => document.getElementById('t-qr').naturalWidth > 0")  # no eval under the CSP
    with urllib.request.urlopen(f"{live_server.url}/t/{ticket['id']}/qr.svg{holder}") as answer:
        svg = answer.read().decode()
    assert svg.startswith("<svg") and f"/t/{ticket['id']}{holder}</title>" in svg
    # The address written under the QR code is the one it carries, token and all.
    carried = html.unescape(re.search(r"<title>(.*?)</title>", svg).group(1))
    expect(kiosk.locator("#t-url")).to_have_text(carried)


def test_take_a_normal_ticket_by_queue(kiosk, live_server):
    """Tap a queue: does a normal ticket come out, shown with its QR code, and the counts go up live?"""
    card = kiosk.locator('.k-queue[data-queue="shsw"]')
    before = int(card.locator(".k-queue-waiting b").inner_text())
    kiosk.screenshot(path="/tmp/kiosk-start.png")
    with kiosk.expect_response(TICKETS) as answer:
        card.click()
    ticket = answer.value.json()
    assert answer.value.status == 201
    assert ticket["queue"] == "shsw" and ticket["priority"] == "normal"
    check_ticket_view(kiosk, live_server, ticket)
    expect(kiosk.locator("#t-queue")).to_have_text("社会事务")
    expect(kiosk.locator("#t-priority")).to_be_hidden()
    expect(kiosk.locator("#t-print")).to_be_visible()  # no ESC/POS printer here: the page prints
    printable = f"/t/{ticket['id']}/print?k={ticket['rating_token']}"
    assert kiosk.locator("#t-print").get_attribute("href") == printable
    kiosk.screenshot(path="/tmp/kiosk-ticket.png")

    kiosk.click("#t-done")
    expect(kiosk.locator("#ticket-view")).to_be_hidden()
    expect(card.locator(".k-queue-waiting b")).to_have_text(str(before + 1), timeout=TIMEOUT)
    # Another kiosk (the API) takes a number: this one's count follows without a reload.
    status, _ = live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsw"})
    assert status == 201
    expect(card.locator(".k-queue-waiting b")).to_have_text(str(before + 2), timeout=TIMEOUT)


def test_take_a_priority_ticket_by_item_search(kiosk, live_server):
    """Green channel + item search: is the ticket a priority one in the item's queue?"""
    kiosk.click("#priority-open")
    expect(kiosk.locator("#priority-dialog")).to_be_visible()
    kiosk.click('#priority-reasons button[data-reason="老年人"]')
    expect(kiosk.locator("#priority-banner")).to_be_visible()
    kiosk.click("#tab-items")
    kiosk.fill("#item-search", "社保卡")
    items = kiosk.locator("#item-list li:not([hidden]) .k-item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("社保卡申领")
    kiosk.screenshot(path="/tmp/kiosk-search.png")
    with kiosk.expect_response(TICKETS) as answer:
        items.first.click()
    ticket = answer.value.json()
    assert answer.value.status == 201
    assert (
        ticket["queue"] == "rsyb"
        and ticket["priority"] == "priority"
        and ticket["priority_reason"] == "老年人"
    )
    check_ticket_view(kiosk, live_server, ticket)
    expect(kiosk.locator("#t-priority")).to_have_text("绿色通道 · 老年人")
    expect(kiosk.locator("#t-service")).to_contain_text("社保卡申领")
    kiosk.screenshot(path="/tmp/kiosk-priority.png")

    kiosk.click("#ticket-view")  # a tap anywhere returns to the start, green channel off
    expect(kiosk.locator("#ticket-view")).to_be_hidden()
    expect(kiosk.locator("#priority-banner")).to_be_hidden()
    expect(kiosk.locator("#view-queues")).to_be_visible()


def test_ticket_view_returns_to_start_after_15_seconds(browser, live_server):
    """Left alone, does the ticket view go back to the start screen after about 15 s?"""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        tab = context.new_page()
        tab.clock.install()
        tab.goto(f"{live_server.url}/kiosk/xiqu")
        expect(tab.locator(".k-queue")).to_have_count(7, timeout=TIMEOUT)
        tab.click('.k-queue[data-queue="tycj"]')
        expect(tab.locator("#ticket-view")).to_be_visible(timeout=TIMEOUT)
        tab.screenshot(path="/tmp/kiosk-landscape-ticket.png")
        tab.clock.run_for(10_000)
        expect(tab.locator("#ticket-view")).to_be_visible()
        expect(tab.locator("#t-countdown")).to_have_text("5")
        tab.clock.run_for(6_000)
        expect(tab.locator("#ticket-view")).to_be_hidden()
    finally:
        context.close()


def test_kiosk_prints_on_its_escpos_printer(browser, live_server):
    """With KIOSK_PRINTER set, does the kiosk print each ticket itself (no 打印 button)?"""
    # A second server on the same database, as a kiosk with a (python-escpos Dummy) printer.
    server = LiveServer(live_server.database_url, extra_env={"KIOSK_PRINTER": "dummy"}).start()
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    try:
        tab = context.new_page()
        tab.goto(f"{server.url}/kiosk/xiqu")
        expect(tab.locator(".k-queue")).to_have_count(7, timeout=TIMEOUT)
        with tab.expect_response(re.compile(r"/kiosk/xiqu/tickets/\d+/print\?k=\w+$")) as printed:
            tab.click('.k-queue[data-queue="shsd"]')
        assert printed.value.status == 200 and printed.value.json()["printed"] is True
        expect(tab.locator("#t-print-status")).to_have_text("小票已打印，请取走小票")
        expect(tab.locator("#t-print")).to_be_hidden()
    finally:
        context.close()
        server.stop()


def test_status_page_follows_the_ticket_live(browser, live_server):
    """Does /t/<id> show 等候中, then 请到1号窗口办理 as soon as a clerk calls it, without a reload?"""
    token = live_server.token("clerk1")
    drain(live_server, 3, token)  # nobody ahead in 商事登记
    window = live_server.window_id(1, token)
    live_server.call("POST", f"/api/v1/windows/{window}/status", {"status": "open"}, token)
    _, desk = live_server.call("GET", f"/api/v1/windows/{window}/desk", token=token)
    if desk["current"]:
        trigger = "finish" if desk["current"]["state"] == "serving" else "no_show"
        live_server.call("POST", f"/api/v1/tickets/{desk['current']['id']}/{trigger}", token=token)
    _, ticket = live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    try:
        phone = context.new_page()
        phone.goto(f"{live_server.url}/t/{ticket['id']}")
        expect(phone.locator("#s-number")).to_have_text(ticket["number"])
        expect(phone.locator("#s-state")).to_have_text("等候中")
        expect(phone.locator("#s-ahead")).to_have_text("0")
        expect(phone.locator("#s-live")).to_contain_text("实时更新中", timeout=TIMEOUT)
        phone.screenshot(path="/tmp/status-waiting.png")
        phone.evaluate("window.__sameDocument = true")

        status, called = live_server.call("POST", f"/api/v1/windows/{window}/call-next", token=token)
        assert status == 200 and called["id"] == ticket["id"]
        expect(phone.locator("#s-call-text")).to_have_text("请到1号窗口办理", timeout=TIMEOUT)
        expect(phone.locator("#s-state")).to_have_text("请前往窗口")
        assert phone.evaluate("window.__sameDocument") is True
        phone.screenshot(path="/tmp/status-called.png")
        live_server.call("POST", f"/api/v1/tickets/{ticket['id']}/no_show", token=token)
    finally:
        context.close()


def test_unknown_ticket_status_page_is_404(page, live_server):
    answer = page.goto(f"{live_server.url}/t/999999")
    assert answer.status == 404
    assert "号票不存在" in page.inner_text("body")
