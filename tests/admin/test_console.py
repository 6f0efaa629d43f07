"""The administration console (/admin/) in Chromium: a new hall set up from nothing serves its first citizen.

The administrator creates a hall, a queue, a window and a clerk in the console (a form refused by the
API first shows the field's error beside it); then a ticket is taken at the hall's kiosk, called at
its window by the new clerk and shown on its board.
"""

from playwright.sync_api import expect

TIMEOUT = 8000  # ms


def sign_in(tab, url: str, username: str, password: str, landing: str) -> None:
    tab.goto(url)
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", password)
    tab.click("button[type=submit]")
    tab.wait_for_url(landing)


def test_a_new_hall_from_nothing_serves_its_first_ticket(page, browser, live_server):  # noqa: F811
    """Does a hall made in the console (hall, queue, window, clerk) issue, call and show a ticket?"""
    server = live_server
    sign_in(page, f"{server.url}/admin/", "admin", "demo", "**/admin/")
    expect(page.locator("#halls-list tbody")).to_contain_text("xiqu", timeout=TIMEOUT)

    # The hall: a missing name is shown beside the field, then the hall is made.
    page.fill("#hall-form-code", "t_web")
    page.click("#hall-save")
    expect(page.locator("#hall-form-name-error")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#hall-form-name-error")).not_to_be_empty()
    page.screenshot(path="/tmp/admin-console-hall.png")
    page.fill("#hall-form-name", "中山市新区行政服务中心")
    page.fill("#hall-form-address", "中山市新区一路1号")
    page.click("#hall-save")
    expect(page.locator("#ad-banner-text")).to_contain_text("已新建服务大厅", timeout=TIMEOUT)
    expect(page.locator("#hall-form-name-error")).to_be_hidden()
    expect(page.locator("#halls-list")).to_contain_text("中山市新区行政服务中心")
    page.fill("#halls-list-q", "新区")
    page.click("#halls-list .ad-search button")
    expect(page.locator("#halls-list tbody tr")).to_have_count(1, timeout=TIMEOUT)

    # A queue and a window that serves it.
    page.click("#tab-setup")
    expect(page.locator("#setup-hall")).to_have_value("t_web", timeout=TIMEOUT)
    page.fill("#queue-form-code", "zh")
    page.fill("#queue-form-name", "综合受理")
    page.fill("#queue-form-prefix", "A")
    page.click("#queue-form button[type=submit]")
    expect(page.locator("#queues-list tbody")).to_contain_text("综合受理", timeout=TIMEOUT)
    page.fill("#window-form-number", "1")
    page.fill("#window-form-name", "综合窗口")
    page.fill("#window-form-queues", "zh, nope")
    page.click("#window-save")
    expect(page.locator("#window-form-queues-error")).to_contain_text("nope", timeout=TIMEOUT)
    page.fill("#window-form-queues", "zh")
    page.click("#window-save")
    expect(page.locator("#windows-list tbody")).to_contain_text("综合窗口", timeout=TIMEOUT)
    expect(page.locator("#window-form-queues-error")).to_be_hidden()
    page.screenshot(path="/tmp/admin-console-setup.png")

    # The clerk.
    page.click("#tab-users")
    page.fill("#user-form-username", "t_webclerk")
    page.fill("#user-form-name", "新区窗口人员")
    page.fill("#user-form-password", "web-passw0rd")
    page.check('#user-form-roles input[value="clerk"]')
    expect(page.locator("#user-form-hall option[value=t_web]")).to_have_count(1, timeout=TIMEOUT)
    page.select_option("#user-form-hall", "t_web")
    page.click("#user-save")
    expect(page.locator("#ad-banner-text")).to_contain_text("已新建工作人员", timeout=TIMEOUT)

    # The audit log names every step.
    page.click("#tab-audit")
    page.fill("#audit-actor", "admin")
    page.click("#audit-filters button[type=submit]")
    for text in ("user:t_webclerk", "window:t_web/1", "queue:t_web/zh", "hall:t_web"):
        expect(page.locator("#audit-list tbody")).to_contain_text(text, timeout=TIMEOUT)

    # The hall at work: its board, its kiosk, its window.
    token = server.token("admin")
    _, windows = server.call("GET", "/api/v1/admin/halls/t_web/windows", token=token)
    window_id = windows["items"][0]["id"]
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    try:
        board = context.new_page()
        board.goto(f"{server.url}/board/t_web")
        expect(board.locator("#hall-name")).to_have_text("中山市新区行政服务中心")
        kiosk = context.new_page()
        kiosk.goto(f"{server.url}/kiosk/t_web")
        kiosk.locator('.k-queue[data-queue="zh"]').click(timeout=TIMEOUT)
        expect(kiosk.locator("#t-number")).to_have_text("A001", timeout=TIMEOUT)

        desk = context.new_page()
        address = f"{server.url}/window/{window_id}"
        sign_in(desk, address, "t_webclerk", "web-passw0rd", f"**/window/{window_id}")
        desk.click("#btn-open-big", timeout=TIMEOUT)
        expect(desk.locator("#w-status-text")).to_have_text("开放中", timeout=TIMEOUT)
        expect(desk.locator("#btn-call")).to_be_enabled(timeout=TIMEOUT)
        desk.click("#btn-call")
        expect(desk.locator("#c-number")).to_have_text("A001", timeout=TIMEOUT)
        expect(board.locator("#current-number")).to_have_text("A001", timeout=TIMEOUT)
    finally:
        context.close()
