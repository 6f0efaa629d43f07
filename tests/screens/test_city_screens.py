"""A hall's own items on its kiosk and in the portal, and where a citizen can apply for an item (Chromium)."""

from playwright.sync_api import expect

from tests.screens.helpers import KIOSK_SCREEN, new_tab

TIMEOUT = 8000  # ms


def test_a_community_kiosk_offers_only_its_items(browser, live_server):
    """Does 长洲社区's kiosk offer its community items at its own queue, and no district-only item?"""
    with new_tab(browser, KIOSK_SCREEN) as kiosk:
        kiosk.goto(f"{live_server.url}/kiosk/changzhou")
        expect(kiosk.locator(".k-queue")).to_have_count(1, timeout=TIMEOUT)
        kiosk.click("#tab-items")
        items = kiosk.locator("#item-list .k-item")
        expect(kiosk.locator('#item-list .k-item[data-service="MZ-001"]')).to_have_count(1, timeout=TIMEOUT)
        expect(kiosk.locator('#item-list .k-item[data-service="MZ-004"]')).to_have_count(1)  # 同城办
        expect(kiosk.locator('#item-list .k-item[data-service="SCJG-006"]')).to_have_count(0)  # district only
        expect(kiosk.locator('#item-list .k-item[data-service="RSJ-002"]')).to_have_count(
            0
        )  # no 人社 queue here
        queues = {items.nth(i).get_attribute("data-queue") for i in range(items.count())}
        assert queues == {"shsw"}


def test_the_portal_lists_a_halls_items_and_where_an_item_is_taken_in(page, live_server):
    """Does the item list filter by hall, and an item's guide list the halls that accept it by district?"""
    page.goto(f"{live_server.url}/portal/services?hall=changzhou")
    expect(page.locator('#items li[data-code="MZ-001"]')).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator('#items li[data-code="SCJG-006"]')).to_have_count(0)
    expect(page.locator("#f-hall")).to_have_value("changzhou")
    page.select_option("#f-hall", "")
    expect(page.locator('#items li[data-code="SCJG-006"]')).to_have_count(1, timeout=TIMEOUT)

    page.goto(f"{live_server.url}/portal/services/MZ-001")
    box = page.locator("#g-halls-box")
    expect(box).to_be_visible(timeout=TIMEOUT)
    west = box.locator('section[data-district="xiqu"]')
    for hall in ("xiqu", "caihong", "changzhou", "longchang", "jinse", "cuijing"):
        expect(west.locator(f'li[data-hall="{hall}"]')).to_have_count(1)
    expect(west.locator('li[data-hall="changzhou"]')).to_contain_text("长洲大街")
    expect(box.locator('section[data-district="dongqu"] li[data-hall="qiwan"]')).to_have_count(1)
    page.select_option("#g-district", "dongqu")
    expect(west).to_have_count(0)
    page.screenshot(path="/tmp/portal-guide-halls.png", full_page=True)

    page.goto(f"{live_server.url}/portal/services/SCJG-006")
    expect(page.locator("#g-halls li")).to_have_count(1, timeout=TIMEOUT)  # 东区 kept as the district
    page.select_option("#g-district", "")
    expect(page.locator("#g-halls li")).to_have_count(2)
    expect(page.locator('#g-halls li[data-hall="caihong"]')).to_have_count(0)
