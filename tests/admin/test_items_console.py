"""The console's 事项清单 tab in Chromium: a draft refused beside its field, saved, published as version 1."""

from playwright.sync_api import expect

from tests.admin.test_console import TIMEOUT, sign_in


def test_an_item_is_drafted_published_and_public(page, live_server):  # noqa: F811
    """Is a new item a draft the public cannot see until it is published in the console?"""
    server = live_server
    sign_in(page, f"{server.url}/admin/", "admin", "demo", "**/admin/")
    page.click("#tab-items")
    expect(page.locator("#items-list tbody")).to_contain_text("BDC-001", timeout=TIMEOUT)
    expect(page.locator("#item-form-department option[value=scjg]")).to_have_count(1, timeout=TIMEOUT)

    page.fill("#item-form-code", "T-WEB1")
    page.fill("#item-form-name", "测试网页事项")
    page.select_option("#item-form-department", "scjg")
    page.fill("#item-form-queue", "shsd")
    page.check('#item-form-modes input[value="once"]')
    page.fill("#item-form-legal_days", "10")
    page.fill("#item-form-promised_days", "12")
    page.fill("#item-materials", "申请书（原件，1份）\n场所证明（复印件，1份，可容缺）——加盖公章")
    page.fill('[id="item-form-guide.fee"]', "不收费")
    page.click("#item-save")
    expect(page.locator("#item-form-promised_days-error")).to_contain_text("法定时限", timeout=TIMEOUT)

    page.fill("#item-form-promised_days", "5")
    page.click("#item-save")
    expect(page.locator("#ad-banner-text")).to_contain_text("已保存草稿", timeout=TIMEOUT)
    expect(page.locator("#item-form-promised_days-error")).to_be_hidden()
    expect(page.locator("#item-versions")).to_contain_text("尚未发布")
    status, _ = server.call("GET", "/api/v1/services/T-WEB1")
    assert status == 404

    page.click("#item-publish")
    expect(page.locator("#ad-banner-text")).to_contain_text("第 1 版", timeout=TIMEOUT)
    expect(page.locator("#item-versions")).to_contain_text("第 1 版（现行）", timeout=TIMEOUT)
    expect(page.locator("#item-versions")).to_contain_text("系统管理员")
    page.screenshot(path="/tmp/admin-console-items.png")
    status, item = server.call("GET", "/api/v1/services/T-WEB1")
    assert status == 200 and item["version"] == 1 and item["promised_days"] == 5
    assert item["materials"][1]["deferrable"] is True and item["guide"]["fee"] == "不收费"
