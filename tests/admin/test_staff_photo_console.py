"""The console's 工作人员 tab in Chromium: a clerk's 工号 set and their photo uploaded, shown and removed."""

import io

from PIL import Image
from playwright.sync_api import expect

from tests.admin.test_console import sign_in

TIMEOUT = 8000  # ms


def test_an_admin_sets_a_clerks_employee_number_and_photo(page, live_server):  # noqa: F811
    """Does the form show and change 工号, and the photo box upload, show and remove the clerk's photo?"""
    sign_in(page, f"{live_server.url}/admin/", "admin", "demo", "**/admin/")
    page.click("#tab-users")
    page.fill("#users-list-q", "clerk5")
    page.click("#users-list .ad-search button")
    expect(page.locator("#users-list tbody tr")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("#users-list tbody")).to_contain_text("XQ-0105")
    expect(page.locator("#user-photo")).to_be_hidden()  # a new user has no photo box until saved
    page.click('#users-list button[aria-label="修改何丽萍"]')
    expect(page.locator("#user-form-employee_no")).to_have_value("XQ-0105")
    expect(page.locator("#user-photo")).to_be_visible()
    expect(page.locator("#user-photo-none")).to_be_visible()
    expect(page.locator("#user-photo-remove")).to_be_disabled()

    page.fill("#user-form-employee_no", "XQ-0101")  # clerk1's: refused beside the field
    page.click("#user-save")
    expect(page.locator("#user-form-employee_no-error")).to_contain_text("工号已被使用", timeout=TIMEOUT)
    page.fill("#user-form-employee_no", "XQ-0155")
    page.click("#user-save")
    expect(page.locator("#ad-banner-text")).to_contain_text("已保存工作人员", timeout=TIMEOUT)
    expect(page.locator("#users-list tbody")).to_contain_text("XQ-0155", timeout=TIMEOUT)

    picture = io.BytesIO()
    Image.new("RGB", (900, 1200), (30, 140, 60)).save(picture, "JPEG")
    page.click("#user-photo-upload")
    expect(page.locator("#user-photo-error")).to_contain_text("请选择", timeout=TIMEOUT)
    page.set_input_files(
        "#user-photo-file",
        files=[{"name": "何丽萍.jpg", "mimeType": "image/jpeg", "buffer": picture.getvalue()}],
    )
    page.click("#user-photo-upload")
    expect(page.locator("#ad-banner-text")).to_contain_text("已上传照片", timeout=TIMEOUT)
    expect(page.locator("#user-photo-img")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function("() => document.getElementById('user-photo-img').naturalWidth === 450")
    expect(page.locator("#user-photo-none")).to_be_hidden()
    page.screenshot(path="/tmp/admin-console-photo.png")

    page.click("#user-photo-remove")
    expect(page.locator("#ad-banner-text")).to_contain_text("已删除照片", timeout=TIMEOUT)
    expect(page.locator("#user-photo-none")).to_be_visible()
    expect(page.locator("#user-photo-img")).to_be_hidden()
    token = live_server.token("admin")
    status, _ = live_server.call("GET", "/api/v1/admin/users/clerk5/photo", token=token)
    assert status == 404
