"""The console's 工作日历 tab in Chromium: a make-up day set, changed and removed; a year imported."""

import json

from playwright.sync_api import expect

from tests.admin.test_console import TIMEOUT, sign_in

# A far year no other test counts days in: what this test leaves there (its import) touches nobody.
SCHEDULE = {
    "announced_years": [2098],
    "source": "测试用 2098 年节假日安排",
    "days": [{"date": "2098-01-01", "working": False, "name": "元旦"}],
}


def _upload(tab, content: dict | str) -> None:
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    tab.set_input_files(
        "#calendar-file", {"name": "calendar.json", "mimeType": "application/json", "buffer": text.encode()}
    )
    tab.click("#calendar-import-form button[type=submit]")


def _deadline(server) -> str:
    status, body = server.call("GET", "/api/v1/calendar/deadline?start=2098-01-03&workdays=1")
    assert status == 200, body
    return body["deadline"]


def test_a_make_up_day_and_a_year_schedule_are_kept_in_the_console(page, live_server):
    """Does a Saturday set as 调休上班 count at once, and an imported year show as confirmed?"""
    server = live_server
    assert _deadline(server) == "2098-01-06"
    sign_in(page, f"{server.url}/admin/", "admin", "demo", "**/admin/")
    page.click("#tab-calendar")
    expect(page.locator("#calendar-state")).to_contain_text("年：", timeout=TIMEOUT)

    page.click("#calendar-save")
    expect(page.locator("#calendar-form-day-error")).to_contain_text("请选择日期", timeout=TIMEOUT)
    page.fill("#calendar-form-day", "2098-01-04")
    page.select_option("#calendar-form-working", "true")
    page.fill("#calendar-form-name", "测试调休上班")
    page.click("#calendar-save")
    expect(page.locator("#ad-banner-text")).to_contain_text("已保存", timeout=TIMEOUT)
    expect(page.locator("#calendar-year")).to_have_value("2098")
    expect(page.locator("#calendar-state")).to_contain_text("未确认", timeout=TIMEOUT)
    row = page.locator('#calendar-days tr[data-day="2098-01-04"]')
    expect(row).to_contain_text("星期六")
    expect(row).to_contain_text("上班")
    expect(row).to_contain_text("测试调休上班")
    assert _deadline(server) == "2098-01-04"

    row.get_by_role("button", name="修改 2098-01-04").click()
    expect(page.locator("#calendar-form-day")).to_be_disabled()
    page.select_option("#calendar-form-working", "false")
    page.fill("#calendar-form-name", "")
    page.click("#calendar-save")
    expect(row).to_contain_text("休息", timeout=TIMEOUT)
    assert _deadline(server) == "2098-01-06"

    _upload(page, {**SCHEDULE, "days": SCHEDULE["days"] + [{"date": "2098-02-30", "working": True}]})
    expect(page.locator("#calendar-import-report")).to_contain_text("第 2 项（2098-02-30）", timeout=TIMEOUT)
    expect(page.locator("#calendar-import-error")).to_contain_text("未导入")
    expect(page.locator("#calendar-state")).to_contain_text("未确认")
    _upload(page, "{not json")
    expect(page.locator("#calendar-import-error")).to_contain_text("JSON", timeout=TIMEOUT)

    _upload(page, SCHEDULE)
    expect(page.locator("#ad-banner-text")).to_contain_text("导入完成", timeout=TIMEOUT)
    expect(page.locator("#calendar-state")).to_contain_text(
        "已确认（依据：测试用 2098 年节假日安排）", timeout=TIMEOUT
    )
    expect(page.locator("#calendar-import-report li")).to_have_count(0)
    expect(page.locator('#calendar-days tr[data-day="2098-01-01"]')).to_contain_text("元旦")
    page.screenshot(path="/tmp/admin-console-calendar.png")

    page.get_by_role("button", name="删除 2098-01-04").click()
    expect(page.locator('#calendar-days tr[data-day="2098-01-04"]')).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("#ad-banner-text")).to_contain_text("已删除")
    assert _deadline(server) == "2098-01-06"
