"""Small things a first walk-through saw on every screen: a favicon, a window chooser that shows which
windows are open and who is at them, one wording (待领取, 即办), and zh-CN date, month and file controls."""

import re

import pytest
from playwright.sync_api import expect

TIMEOUT = 8000
IMMEDIATE = "SCJG-004"  # 马上办: promised in 0 working days
ONLINE = "SCJG-001"  # 网上办: the online application form has file inputs
ZERO_DAYS = re.compile(r"(?<![0-9])0 个工作日")  # 承诺 0 个工作日, not 承诺 10 个工作日


def sign_in(page, live_server, username: str, then: str) -> None:
    page.goto(f"{live_server.url}/login?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if not page.url.endswith(then):
        page.goto(live_server.url + then)


@pytest.fixture(scope="module")
def ticket(live_server):
    status, body = live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsw"})
    assert status == 201, body
    return body


def assert_favicon(page, path: str) -> None:
    href = page.evaluate("() => { const l = document.querySelector('link[rel~=icon]'); return l && l.href; }")
    assert href and not href.startswith("data:"), (path, href)
    answer = page.request.get(href)
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml"), (path, href)
    assert b"<svg" in answer.body()


def test_every_screen_has_a_favicon(page, browser, live_server, ticket):
    public = [
        "/",
        "/login",
        "/kiosk/xiqu",
        "/board/xiqu",
        "/evaluate/",
        "/evaluate/1",
        "/portal/",
        "/portal/services",
        "/progress/",
        "/book/xiqu",
        f"/t/{ticket['id']}",
    ]
    for path in public:
        page.goto(live_server.url + path)
        assert_favicon(page, path)
    staff = [
        ("clerk1", "/windows/xiqu"),
        ("clerk1", "/window/1"),
        ("approver_scjg", "/backoffice/"),
        ("supervisor1", "/supervisor/"),
        ("supervisor1", "/reports/monthly"),
    ]
    for username, path in staff:
        context = browser.new_context(locale="zh-CN")
        tab = context.new_page()
        try:
            sign_in(tab, live_server, username, path)
            assert tab.url.endswith(path), tab.url
            assert_favicon(tab, path)
        finally:
            context.close()


def test_window_chooser_shows_open_and_taken_windows(page, live_server):
    token = live_server.token("clerk1")
    first = live_server.window_id(1, token)
    assert live_server.call("POST", f"/api/v1/windows/{first}/status", {"status": "open"}, token)[0] == 200
    mine = live_server.token("clerk2")
    second = live_server.window_id(2, mine)
    assert live_server.call("POST", f"/api/v1/windows/{second}/status", {"status": "paused"}, mine)[0] == 200

    sign_in(page, live_server, "clerk2", "/windows/xiqu")
    taken = page.locator('.chooser-item[data-window="1"]')
    expect(taken).to_have_attribute("data-state", "taken")
    expect(taken).to_contain_text("开放中")
    expect(taken).to_contain_text("陈嘉欣 使用中")
    own = page.locator('.chooser-item[data-window="2"]')
    expect(own).to_have_attribute("data-state", "mine")
    expect(own).to_contain_text("暂停服务")
    expect(own).to_contain_text("您正在使用")
    free = page.locator('.chooser-item[data-window="3"]')
    expect(free).to_have_attribute("data-state", "free")
    expect(free).to_contain_text("未开放")

    styles = page.evaluate("""() => {
      const link = (n) => getComputedStyle(document.querySelector(`.chooser-item[data-window="${n}"] a`));
      return {list: getComputedStyle(document.getElementById('windows')).display,
              decoration: link(1).textDecorationLine, width: parseFloat(link(1).borderLeftWidth),
              taken: link(1).borderLeftColor, free: link(3).borderLeftColor};
    }""")
    assert styles["list"] == "grid" and styles["decoration"] == "none", styles
    assert styles["width"] >= 6 and len({styles["taken"], styles["free"]}) == 2, styles
    page.screenshot(path="/tmp/window-chooser.png", full_page=True)

    # Live: a window taken or closed meanwhile shows so without a reload (window_updated).
    expect(page.locator("#windows")).to_have_attribute("data-live", "true", timeout=TIMEOUT)
    other = live_server.token("clerk3")
    third = live_server.window_id(3, other)
    assert live_server.call("POST", f"/api/v1/windows/{third}/status", {"status": "open"}, other)[0] == 200
    expect(free).to_have_attribute("data-state", "taken", timeout=TIMEOUT)
    expect(free).to_contain_text("梁思敏 使用中")
    expect(free).to_contain_text("开放中")
    assert live_server.call("POST", f"/api/v1/windows/{first}/status", {"status": "closed"}, token)[0] == 200
    expect(taken).to_have_attribute("data-state", "free", timeout=TIMEOUT)
    expect(taken).to_contain_text("未开放")
    expect(taken.locator(".chooser-badge")).to_have_text("空闲")


def test_immediate_items_say_jiban_and_pickup_says_dailingqu(page, browser, live_server):
    page.goto(f"{live_server.url}/portal/services")
    item = page.locator(f'#items li[data-code="{IMMEDIATE}"]')
    expect(item).to_contain_text("即办", timeout=TIMEOUT)
    expect(page.locator("#items")).not_to_contain_text(ZERO_DAYS)
    page.goto(f"{live_server.url}/portal/services/{IMMEDIATE}")
    expect(page.locator("#g-facts")).to_contain_text("承诺时限即办", timeout=TIMEOUT)
    expect(page.locator("body")).not_to_contain_text(ZERO_DAYS)

    context = browser.new_context(locale="zh-CN")
    desk = context.new_page()
    try:
        sign_in(desk, live_server, "clerk1", "/window/15")
        expect(desk.locator("#pk-list-title")).to_have_text("待领取")
        assert "待取件" not in desk.content()
        desk.click("#btn-pickup")
        expect(desk.locator("#pk-list-title")).to_contain_text("待领取", timeout=TIMEOUT)
    finally:
        context.close()


def test_month_date_and_file_controls_are_zh_cn(page, browser, live_server):
    # The monthly report: 年 and 月 selects instead of the browser's month control.
    sign_in(page, live_server, "supervisor1", "/reports/monthly")
    expect(page.locator("#m-report")).to_have_attribute("aria-busy", "false", timeout=TIMEOUT)
    assert page.locator("input[type=month], input[type=date]").count() == 0
    year, month = (int(part) for part in page.input_value("#m-month").split("-"))
    expect(page.get_by_label("年份", exact=True)).to_have_value(str(year))
    expect(page.get_by_label("月份", exact=True)).to_have_value(str(month))
    assert page.locator("#m-mon option").all_text_contents() == [f"{m}月" for m in range(1, 13)]
    assert f"{year}年" in page.locator("#m-year option").all_text_contents()
    earlier = 12 if month == 1 else month - 1
    with page.expect_request(re.compile(rf"/stats\?from={year - (month == 1)}-{earlier:02d}-01")):
        if month == 1:
            page.get_by_label("年份", exact=True).select_option(str(year - 1))
        page.get_by_label("月份", exact=True).select_option(str(earlier))

    # The online application form: each file input hidden behind a labelled 选择文件 and a line in zh-CN.
    page.goto(f"{live_server.url}/portal/services/{ONLINE}/apply")
    inputs = page.locator("input[type=file]")
    expect(inputs.first).to_be_attached(timeout=TIMEOUT)
    for index in range(inputs.count()):
        field = inputs.nth(index)
        box = field.bounding_box()
        assert box is None or (box["width"] <= 1 and box["height"] <= 1), box
        field_id = field.get_attribute("id")
        label = page.locator(f'label.zh-file-button[for="{field_id}"]')
        expect(label).to_have_text("选择文件")
        expect(label).to_be_visible()
        assert label.bounding_box()["height"] >= 40
    chosen = page.locator(".zh-file-name").first
    expect(chosen).to_have_text("未选择文件")
    pdf = {"name": "申请书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}
    inputs.first.set_input_files(files=[pdf])
    expect(chosen).to_have_text("申请书.pdf")
    page.screenshot(path="/tmp/zh-file.png", full_page=True)

    # The clerk's 容缺 due date: a select of dates in zh-CN words, never the browser's date control.
    context = browser.new_context(locale="zh-CN")
    desk = context.new_page()
    try:
        sign_in(desk, live_server, "clerk1", "/window/1")
        assert desk.locator("input[type=date], input[type=month]").count() == 0
        assert desk.eval_on_selector("#in-defer-due", "node => node.tagName") == "SELECT"
    finally:
        context.close()
