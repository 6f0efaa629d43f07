"""一件事 online on a phone: from the life-event page's answers to a submitted application with its parts.

The applicant uses the portal only; the clerk (clerk1) passes the pre-review through the staff API.
"""

import re

from playwright.sync_api import expect

from tests.conftest import PDF
from tests.screens.helpers import ID_NUMBER, PHONE

TIMEOUT = 5000


def test_apply_for_a_life_event_online(phone_page, live_server):
    """开餐馆 over 300 m² without a signboard: does 网上申请 carry the answers over, list the four parts and
    every material once, submit to 网上预审, and show the parts waiting and under way once accepted?"""
    page = phone_page
    page.goto(f"{live_server.url}/portal/events/YJS-001")
    expect(page.locator("#ev-steps li")).to_have_count(4, timeout=TIMEOUT)
    page.check("#q-area_over_300-yes")
    page.check("#q-signboard-no")
    expect(page.locator('#ev-steps li[data-code="ZJJ-004"]')).to_be_visible(timeout=TIMEOUT)
    apply = page.locator("#ev-apply")
    expect(apply).to_have_text("网上申请")
    expect(apply).to_have_attribute("href", re.compile(r"answers=area_over_300%3Ayes%2Csignboard%3Ano$"))
    apply.click()

    # The form: the answers and the parts they need; each material of the parts once, with its parts.
    expect(page.locator("#a-service")).to_have_text("我要开餐馆（一件事）", timeout=TIMEOUT)
    answered = page.locator('#a-answers li[data-question="area_over_300"] strong')
    expect(answered).to_contain_text("超过 300 平方米")
    expect(page.locator("#a-steps li")).to_have_count(4)
    expect(page.locator('#a-steps li[data-code="ZJJ-004"]')).to_contain_text("建设工程消防验收备案")
    expect(page.locator('#a-steps li[data-code="CGJ-002"]')).to_have_count(0)
    names = page.locator("#a-materials li .o-mname").all_inner_texts()
    assert len(names) == len(set(names)) and "建设工程消防验收备案表" in names, names
    assert not any("户外广告" in name for name in names)
    page.fill("#a-name", "王小明")
    page.fill("#a-id", ID_NUMBER)
    page.fill("#a-phone", PHONE)
    rows = page.locator("#a-materials li")
    uploaded = 0
    for index in range(rows.count()):
        if rows.nth(index).locator(".o-tag").first.inner_text() == "必需":
            page.set_input_files(
                f"#m-{index}", files=[{"name": f"m{index}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
            )
            uploaded += 1
    page.check("#a-promise")
    page.screenshot(path="/tmp/bundle-online-form.png", full_page=True)
    page.click("#a-submit")

    # My application: in 网上预审, each material once with its file, the parts listed.
    page.wait_for_url(re.compile(r"/portal/applications/XIQU-\d{8}-\d{4}$"), timeout=3 * TIMEOUT)
    case_no = page.url.rsplit("/", 1)[1]
    expect(page.locator("#r-state")).to_have_text("网上预审中", timeout=TIMEOUT)
    expect(page.locator("#r-materials .o-files li")).to_have_count(uploaded)
    parts = page.locator("#r-parts li")
    expect(parts).to_have_count(4)
    expect(page.locator('#r-parts li[data-service="SCJG-001"]')).to_contain_text("已提交，待受理")

    status, case = live_server.call(
        "POST",
        f"/api/v1/cases/{case_no}/transitions",
        {"trigger": "pass_pre_review"},
        live_server.token("clerk1"),
    )
    assert status == 200, case
    with page.expect_response(re.compile(rf"/api/v1/public/applications/{case_no}$")):
        page.click("#r-refresh")
    expect(page.locator("#r-state")).to_have_text("待审批", timeout=TIMEOUT)
    licence, food = page.locator('#r-parts li[data-service="SCJG-001"]'), parts.nth(1)
    expect(licence).to_have_attribute("data-state", "in_approval")
    expect(food).to_have_attribute("data-service", "SCJG-006")  # 食品经营许可 waits for 营业执照
    expect(food).to_have_attribute("data-state", "waiting")
    expect(food.locator(".p-part-state")).to_have_text("等待前置事项")
    page.screenshot(path="/tmp/bundle-online-accepted.png", full_page=True)
