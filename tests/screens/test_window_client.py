"""The window clerk's screen (窗口工作台) in a real browser against a real server.

The live server is shared by the module, so each test clears what it relies on through the API
(queues drained at spare windows, window 1 left without a current ticket) and reads ticket numbers
from the API's answers.
"""

import sqlite3

import pytest
from playwright.sync_api import expect

TIMEOUT = 5000  # ms: everything here is local; live updates arrive well within this

# Spare windows (and the clerk using them) that empty a queue before a test.
DRAIN_WINDOW = {"shsd": 3, "shsw": 5, "rsyb": 7}


@pytest.fixture(scope="module")
def tokens(live_server):
    return {name: live_server.token(name) for name in ("clerk1", "clerk2", "clerk3")}


@pytest.fixture(scope="module")
def windows(live_server, tokens):
    return {number: live_server.window_id(number, tokens["clerk1"]) for number in (1, 3, 5, 7, 13)}


def drain(live_server, tokens, windows, *queues):
    """Empty queues: call every waiting ticket at a spare window and mark it no-show."""
    token = tokens["clerk3"]
    for queue in queues:
        window = windows[DRAIN_WINDOW[queue]]
        live_server.call("POST", f"/api/v1/windows/{window}/status", {"status": "open"}, token)
        while True:
            status, ticket = live_server.call("POST", f"/api/v1/windows/{window}/call-next", token=token)
            if status == 204:
                break
            assert status == 200, ticket
            live_server.call("POST", f"/api/v1/tickets/{ticket['id']}/no_show", token=token)
        live_server.call("POST", f"/api/v1/windows/{window}/status", {"status": "closed"}, token)


def clear_current(live_server, token, window):
    """Leave a window with no called or served ticket."""
    _, desk = live_server.call("GET", f"/api/v1/windows/{window}/desk", token=token)
    current = desk["current"]
    if current:
        trigger = "finish" if current["state"] == "serving" else "no_show"
        live_server.call("POST", f"/api/v1/tickets/{current['id']}/{trigger}", token=token)


def take(live_server, queue="shsd", **body):
    status, ticket = live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": queue, **body})
    assert status == 201, ticket
    return ticket


def sign_in(page, live_server, username, window_id, live=True):
    """Sign in through the login form on the way to a window screen (and wait for the live link)."""
    page.goto(f"{live_server.url}/window/{window_id}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/window/{window_id}")
    expect(page.locator("#w-status-text")).not_to_have_text("加载中", timeout=TIMEOUT)
    if live:
        expect(page.locator("#w-conn")).to_have_text("● 实时连接", timeout=TIMEOUT)


def open_window(page):
    """Press the big 开窗 button when the window is closed."""
    if page.locator("#w-closed").is_visible():
        page.click("#btn-open-big")
    expect(page.locator("#w-status-text")).to_have_text("开放中", timeout=TIMEOUT)


def at_window_one(page, live_server, tokens, windows, live=True):
    """Empty 商事登记, leave window 1 without a ticket, and sign clerk1 in at it with the window open."""
    drain(live_server, tokens, windows, "shsd")
    clear_current(live_server, tokens["clerk1"], windows[1])
    sign_in(page, live_server, "clerk1", windows[1], live=live)
    open_window(page)


def test_open_window_call_recall_start_finish(page, live_server, tokens, windows):
    """Does a closed window offer 开窗, and do the buttons call and serve the ticket the API issued?"""
    drain(live_server, tokens, windows, "shsd")
    live_server.call("POST", f"/api/v1/windows/{windows[1]}/status", {"status": "closed"}, tokens["clerk1"])
    clear_current(live_server, tokens["clerk1"], windows[1])
    sign_in(page, live_server, "clerk1", windows[1])

    expect(page.locator("#w-closed")).to_be_visible()
    expect(page.locator("#btn-open-big")).to_contain_text("开窗")
    expect(page.locator("#btn-call")).to_be_disabled()
    page.screenshot(path="/tmp/window-closed.png")
    page.click("#btn-open-big")
    expect(page.locator("#w-status-text")).to_have_text("开放中", timeout=TIMEOUT)
    expect(page.locator("#w-closed")).to_be_hidden()
    served_before = int(page.inner_text("#t-served"))

    ticket = take(live_server, "shsd")
    expect(page.locator("#btn-call")).to_be_enabled()
    expect(page.locator("#btn-call")).to_contain_text("F1")
    for button in ("#btn-recall", "#btn-start", "#btn-finish", "#btn-no-show", "#btn-transfer"):
        expect(page.locator(button)).to_be_disabled()

    page.click("#btn-call")
    expect(page.locator("#c-number")).to_have_text(ticket["number"], timeout=TIMEOUT)
    expect(page.locator("#c-state")).to_have_text("已叫号")
    expect(page.locator("#c-queue")).to_have_text("商事登记")
    expect(page.locator("#btn-call")).to_be_disabled()
    expect(page.locator("#btn-finish")).to_be_disabled()
    expect(page.locator("#w-calls li").first).to_contain_text(ticket["number"], timeout=TIMEOUT)

    page.click("#btn-recall")
    expect(page.locator("#c-recalls")).to_have_text("1 次", timeout=TIMEOUT)
    page.click("#btn-start")
    expect(page.locator("#c-state")).to_have_text("办理中", timeout=TIMEOUT)
    expect(page.locator("#btn-recall")).to_be_disabled()
    expect(page.locator("#btn-finish")).to_be_enabled()
    expect(page.locator("#btn-transfer")).to_be_enabled()
    page.screenshot(path="/tmp/window-serving.png")
    page.click("#btn-finish")
    expect(page.locator("#c-number")).to_have_text("等待叫号", timeout=TIMEOUT)
    expect(page.locator("#t-served")).to_have_text(str(served_before + 1), timeout=TIMEOUT)

    _, final = live_server.call("GET", f"/api/v1/tickets/{ticket['id']}")
    assert final["state"] == "done" and final["recalls"] == 1 and final["window_number"] == 1

    # Nobody waits now: calling says so in a calm banner, not an error.
    page.click("#btn-call")
    expect(page.locator("#w-banner")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#w-banner")).to_contain_text("当前没有等候的号票")


def test_shortcut_calls_and_dialog_transfers(page, live_server, tokens, windows):
    """Does F1 call the next ticket, and does the 转队列 dialog move it to the chosen queue?"""
    at_window_one(page, live_server, tokens, windows)
    ticket = take(live_server, "shsd")
    expect(page.locator("#btn-call")).to_be_enabled()

    page.keyboard.press("F1")
    expect(page.locator("#c-number")).to_have_text(ticket["number"], timeout=TIMEOUT)
    page.keyboard.press("F3")
    expect(page.locator("#c-state")).to_have_text("办理中", timeout=TIMEOUT)

    page.click("#btn-transfer")
    dialog = page.locator("#transfer-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator('.w-transfer[data-queue="shsd"]')).to_have_count(0)  # not its own queue
    page.screenshot(path="/tmp/window-transfer.png")
    dialog.locator('.w-transfer[data-queue="shsw"]').click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#c-number")).to_have_text("等待叫号", timeout=TIMEOUT)

    _, moved = live_server.call("GET", f"/api/v1/tickets/{ticket['id']}")
    assert moved["queue"] == "shsw" and moved["state"] == "waiting" and moved["number"] == ticket["number"]
    drain(live_server, tokens, windows, "shsw")


def test_waiting_count_updates_live(page, live_server, tokens, windows):
    """When a kiosk issues a ticket, does the window's waiting count go up without a reload?"""
    drain(live_server, tokens, windows, "shsd")
    sign_in(page, live_server, "clerk1", windows[1])
    count = page.locator('#w-queues li[data-queue="shsd"] b')
    expect(count).to_have_text("0", timeout=TIMEOUT)
    page.evaluate("window.__sameDocument = true")

    take(live_server, "shsd")
    expect(count).to_have_text("1", timeout=TIMEOUT)
    take(live_server, "shsd", priority="priority", priority_reason="军人")
    expect(count).to_have_text("2", timeout=TIMEOUT)
    assert page.evaluate("window.__sameDocument") is True
    drain(live_server, tokens, windows, "shsd")
    expect(count).to_have_text("0", timeout=TIMEOUT)


def test_api_error_shows_the_contract_message(page, live_server, tokens, windows):
    """A window paused elsewhere while this screen's live link is down: does 叫号 show the API's 409
    message, then the screen catch up?"""
    clear_current(live_server, tokens["clerk1"], windows[1])
    # Cut the Socket.IO link (websocket and long-polling), so the window_updated notice cannot arrive.
    page.route_web_socket("**/socket.io/**", lambda ws: None)
    page.route("**/socket.io/**", lambda route: route.abort())
    sign_in(page, live_server, "clerk1", windows[1], live=False)
    open_window(page)
    take(live_server, "shsd")
    expect(page.locator("#btn-call")).to_be_enabled()
    # Paused from another screen: this one does not know yet.
    live_server.call("POST", f"/api/v1/windows/{windows[1]}/status", {"status": "paused"}, tokens["clerk1"])
    page.click("#btn-call")
    banner = page.locator("#w-banner")
    expect(banner).to_be_visible(timeout=TIMEOUT)
    expect(banner).to_contain_text("窗口未开放")
    expect(page.locator("#w-status-text")).to_have_text("已暂停", timeout=TIMEOUT)
    expect(page.locator("#btn-pause")).to_contain_text("恢复")
    expect(page.locator("#btn-call")).to_be_disabled()
    page.screenshot(path="/tmp/window-error.png")
    page.keyboard.press("F8")
    expect(page.locator("#w-status-text")).to_have_text("开放中", timeout=TIMEOUT)
    expect(page.locator("#btn-pause")).to_contain_text("暂停")
    drain(live_server, tokens, windows, "shsd")


def test_two_clerks_see_each_others_calls(browser, live_server, tokens, windows):
    """Two screens serving 商事登记 (window 1 and 13): does each see the other's call at once?"""
    drain(live_server, tokens, windows, "shsd", "shsw", "rsyb")
    clear_current(live_server, tokens["clerk1"], windows[1])
    clear_current(live_server, tokens["clerk2"], windows[13])
    pages = []
    contexts = []
    try:
        for username, window in (("clerk1", windows[1]), ("clerk2", windows[13])):
            context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
            contexts.append(context)
            page = context.new_page()
            sign_in(page, live_server, username, window)
            open_window(page)
            pages.append(page)
        first, second = take(live_server, "shsd"), take(live_server, "shsd")
        one, thirteen = pages

        for caller, watcher, ticket, window in (
            (one, thirteen, first, "1号窗口"),
            (thirteen, one, second, "13号窗口"),
        ):
            expect(caller.locator("#btn-call")).to_be_enabled(timeout=TIMEOUT)
            caller.click("#btn-call")
            expect(caller.locator("#c-number")).to_have_text(ticket["number"], timeout=TIMEOUT)
            row = watcher.locator("#w-calls li").first
            expect(row).to_contain_text(ticket["number"], timeout=TIMEOUT)
            expect(row).to_contain_text(window)
        expect(one.locator('#w-queues li[data-queue="shsd"] b')).to_have_text("0", timeout=TIMEOUT)
        thirteen.screenshot(path="/tmp/window-13.png")
    finally:
        for context in contexts:
            context.close()
    clear_current(live_server, tokens["clerk1"], windows[1])
    clear_current(live_server, tokens["clerk2"], windows[13])


def test_clerk_cannot_open_a_window_of_another_hall(page, live_server):
    """Is a window screen of another hall refused (403) to this hall's clerk?"""
    path = live_server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT OR IGNORE INTO halls (code, name, address, phone, hours) "
            "VALUES ('qita', '其他服务中心', '', '', '')"
        )
        hall_id = db.execute("SELECT id FROM halls WHERE code = 'qita'").fetchone()[0]
        db.execute(
            "INSERT OR IGNORE INTO windows (hall_id, number, name, status) "
            "VALUES (?, 1, '1号窗口', 'closed')",
            (hall_id,),
        )
        window_id = db.execute("SELECT id FROM windows WHERE hall_id = ?", (hall_id,)).fetchone()[0]
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    answer = page.goto(f"{live_server.url}/window/{window_id}")
    assert answer.status == 403
    assert "窗口工作台" not in page.content()


def test_window_paused_elsewhere_shows_at_once(page, live_server, tokens, windows):
    """Is a pause made at another screen of the same window shown live (window_updated)?"""
    clear_current(live_server, tokens["clerk1"], windows[1])
    sign_in(page, live_server, "clerk1", windows[1])
    open_window(page)
    expect(page.locator("#w-status-text")).to_have_text("开放中", timeout=TIMEOUT)
    live_server.call("POST", f"/api/v1/windows/{windows[1]}/status", {"status": "paused"}, tokens["clerk1"])
    expect(page.locator("#w-status-text")).to_have_text("已暂停", timeout=TIMEOUT)
    expect(page.locator("#btn-call")).to_be_disabled()
    live_server.call("POST", f"/api/v1/windows/{windows[1]}/status", {"status": "open"}, tokens["clerk1"])
    expect(page.locator("#w-status-text")).to_have_text("开放中", timeout=TIMEOUT)


def test_finish_and_call_next_in_one_press(page, live_server, tokens, windows):
    """Does 办结并叫号 (F12) finish the served ticket and call the next one in one press?"""
    at_window_one(page, live_server, tokens, windows)
    first, second = take(live_server, "shsd"), take(live_server, "shsd")
    expect(page.locator("#btn-finish-call")).to_be_disabled()
    page.click("#btn-call")
    expect(page.locator("#c-number")).to_have_text(first["number"], timeout=TIMEOUT)
    expect(page.locator("#btn-finish-call")).to_be_disabled()  # not yet being served
    page.click("#btn-start")
    expect(page.locator("#btn-finish-call")).to_be_enabled(timeout=TIMEOUT)
    served_before = int(page.inner_text("#t-served"))
    page.keyboard.press("F12")
    expect(page.locator("#c-number")).to_have_text(second["number"], timeout=TIMEOUT)
    expect(page.locator("#c-state")).to_have_text("已叫号")
    expect(page.locator("#t-served")).to_have_text(str(served_before + 1), timeout=TIMEOUT)
    _, finished = live_server.call("GET", f"/api/v1/tickets/{first['id']}")
    assert finished["state"] == "done"
