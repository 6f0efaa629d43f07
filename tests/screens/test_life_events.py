"""一件事 on the portal (questions → plan → 一张图 → booking) and at the kiosk (questions → plan → ticket)."""

import re

from playwright.sync_api import expect

TIMEOUT = 5000


def test_portal_life_event_answers_plan_flow_and_booking(phone_page, live_server):
    """From the home page to 开餐馆: do the answers change the parts, is the 一张图 inline with one box per
    part (skipped ones marked), each material listed once with the parts it serves, and does 预约 open
    the booking page with the bundle's queue chosen?"""
    page = phone_page
    page.goto(live_server.url + "/portal/")
    page.click("#tile-events")
    expect(page.locator("#events li")).to_have_count(5, timeout=TIMEOUT)
    page.click('#events li[data-code="YJS-001"] a')
    expect(page.locator("#ev-name")).to_have_text("我要开餐馆（一件事）", timeout=TIMEOUT)

    steps = page.locator("#ev-steps li")
    expect(steps).to_have_count(4, timeout=TIMEOUT)  # no 消防 by default; a signboard by default
    expect(page.locator('#ev-steps li[data-code="SCJG-006"]')).to_contain_text("营业执照（企业设立登记）")
    expect(page.locator("#ev-total")).to_contain_text("承诺 11 个工作日")
    flow = page.locator("#ev-flow svg")
    expect(flow.locator("g.flow-box[data-kind=part]")).to_have_count(5, timeout=TIMEOUT)
    expect(flow.locator('g[data-code="ZJJ-004"]')).to_have_attribute("data-status", "skipped")

    page.check("#q-area_over_300-yes")
    page.check("#q-signboard-no")
    expect(page.locator('#ev-steps li[data-code="ZJJ-004"]')).to_be_visible(timeout=TIMEOUT)
    expect(page.locator('#ev-steps li[data-code="CGJ-002"]')).to_have_count(0)
    expect(flow.locator('g[data-code="ZJJ-004"]')).to_have_attribute("data-status", "needed", timeout=TIMEOUT)
    expect(flow.locator('g[data-code="CGJ-002"]')).to_have_attribute("data-status", "skipped")
    expect(flow.locator("g.flow-box[data-kind=part]")).to_have_count(5)
    assert "answers=area_over_300%3Ayes%2Csignboard%3Ano" in page.locator("#ev-pdf").get_attribute("href")

    names = page.locator("#ev-materials li .o-mname").all_inner_texts()
    assert names and len(names) == len(set(names)), names
    assert "建设工程消防验收备案表" in names
    licence = page.locator('#ev-materials li[data-material="营业执照"]')
    expect(licence.locator(".ev-for")).to_have_text("用于：城镇污水排入排水管网许可")

    # 网上申请 carries the answers over to the application form.
    expect(page.locator("#ev-apply")).to_have_attribute(
        "href", "/portal/services/YJS-001/apply?answers=area_over_300%3Ayes%2Csignboard%3Ano"
    )
    booking = page.locator('#ev-booking li[data-hall="xiqu"] a')
    expect(booking).to_have_attribute("href", "/book/xiqu?queue=shsd")
    booking.click()
    chosen = page.locator('.b-queue[data-queue="shsd"]')
    expect(chosen).to_have_attribute("aria-checked", "true", timeout=TIMEOUT)


def test_portal_life_event_lists_a_shared_material_once_with_its_sample(page, live_server):
    """退休: no questions; 申请人居民身份证 serves both parts and is listed once, with 查看示例 once a sample
    of it is kept for one of the parts."""
    token = live_server.token("admin")
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    answer = page.request.post(
        live_server.url + "/api/v1/admin/services/YBJ-003/samples",
        headers={"Authorization": f"Bearer {token}"},
        multipart={
            "material": "申请人居民身份证",
            "file": {"name": "身份证示例.pdf", "mimeType": "application/pdf", "buffer": pdf},
        },
    )
    assert answer.status == 201, answer.text()
    page.goto(live_server.url + "/portal/events/YJS-005")
    expect(page.locator("#ev-steps li")).to_have_count(2, timeout=TIMEOUT)
    expect(page.locator("#ev-questions-box")).to_be_hidden()
    shared = page.locator('#ev-materials li[data-material="申请人居民身份证"]')
    expect(shared).to_have_count(1)
    expect(shared.locator(".ev-for")).to_have_text("用于：退休待遇申领、职工医保退休人员待遇核定")
    sample = shared.locator("a.o-sample")
    expect(sample).to_have_text("查看示例", timeout=TIMEOUT)
    assert sample.get_attribute("href").startswith("/api/v1/services/YBJ-003/materials/")
    expect(page.locator("#ev-flow svg g.flow-box[data-kind=part]")).to_have_count(2)


def test_portal_life_event_for_a_single_item_says_so(page, live_server):
    """A page for an item that is not a life event says so instead of a plan; its guide offers no 导办."""
    page.goto(live_server.url + "/portal/events/SCJG-006")
    expect(page.locator("#error")).to_contain_text("不是一件事", timeout=TIMEOUT)
    expect(page.locator("#event")).to_be_hidden()
    page.goto(live_server.url + "/portal/services/YJS-002")
    expect(page.locator("#g-event")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#g-event")).to_have_attribute("href", "/portal/events/YJS-002")


def test_kiosk_life_event_takes_the_bundle_ticket(kiosk, live_server):
    """At the kiosk: 一件事 → 新生儿出生 → answer → the plan → a ticket of the bundle's queue for the item."""
    kiosk.click("#event-open")
    dialog = kiosk.locator("#event-dialog")
    expect(dialog).to_be_visible(timeout=TIMEOUT)
    kiosk.click('#event-list button[data-code="YJS-002"]')
    expect(kiosk.locator("#event-questions .k-event-choice")).to_have_count(2, timeout=TIMEOUT)
    kiosk.click('#event-questions button[data-value="no"]')
    expect(kiosk.locator("#event-steps li")).to_have_count(3, timeout=TIMEOUT)  # no 社保卡
    expect(kiosk.locator("#event-total")).to_contain_text(re.compile("共 3 个事项"))
    with kiosk.expect_response("**/api/v1/halls/xiqu/tickets") as answer:
        kiosk.click("#event-take")
    ticket = answer.value.json()
    assert answer.value.status == 201, ticket
    assert ticket["queue"] == "shsw" and answer.value.request.post_data_json["service"] == "YJS-002"
    expect(dialog).to_be_hidden()
    expect(kiosk.locator("#ticket-view")).to_be_visible(timeout=TIMEOUT)
    expect(kiosk.locator("#t-number")).to_have_text(ticket["number"])
    expect(kiosk.locator("#t-service")).to_contain_text("新生儿出生")
