"""The supervisor screen's city of halls in Chromium: the switcher's tree, and the 汇总 view of a branch."""

from playwright.sync_api import expect

from tests.screens.helpers import sign_in

TIMEOUT = 8000  # ms


def take(live_server, hall: str, queue: str, count: int) -> None:
    for _ in range(count):
        status, body = live_server.call("POST", f"/api/v1/halls/{hall}/tickets", {"queue": queue})
        assert status == 201, body


def test_a_district_supervisor_switches_halls_and_sums_the_branch(page, live_server):
    """Does 西区's supervisor see the tree of 西区's halls, open a community, and sum the branch?"""
    take(live_server, "xiqu", "shsd", 2)
    take(live_server, "caihong", "shsw", 3)
    take(live_server, "dongqu", "shsd", 1)  # another district: never in 西区's figures
    sign_in(page, live_server, "/supervisor/", "supervisor1")
    expect(page.locator("#k-issued")).to_have_text("2", timeout=TIMEOUT)

    # The switcher: 西区 and every hall below it, nothing of 东区.
    page.click("#sv-halls-toggle")
    panel = page.locator("#sv-halls-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#sv-halls-toggle")).to_have_attribute("aria-expanded", "true")
    xiqu = panel.locator('li[data-hall="xiqu"]')
    expect(xiqu.locator("a").first).to_have_attribute("aria-current", "page")
    expect(xiqu.locator('li[data-hall="caihong"] li[data-hall="jinse"]')).to_have_count(1)
    expect(panel.locator('li[data-hall="dongqu"]')).to_have_count(0)
    page.screenshot(path="/tmp/supervisor-halls.png")
    panel.locator('li[data-hall="caihong"] > a').click()
    page.wait_for_url("**hall_code=caihong")
    expect(page.locator("#sv-hall-name")).to_have_text("中山市西区彩虹社区服务中心", timeout=TIMEOUT)
    expect(page.locator("#k-issued")).to_have_text("3", timeout=TIMEOUT)

    # 汇总 of 西区: a row per hall of the branch, and the sum.
    page.goto(f"{live_server.url}/supervisor/?hall_code=xiqu")
    page.click("#sv-rollup-toggle")
    expect(page.locator("#sv-rollup")).to_be_visible()
    rows = page.locator("#sv-rollup-rows tr")
    expect(rows).to_have_count(6, timeout=TIMEOUT)
    expect(page.locator('#sv-rollup-rows tr[data-hall="caihong"] td').first).to_have_text("3")
    expect(page.locator("#sv-rollup-total td").first).to_have_text("5")
    expect(page.locator("#sv-rollup-month")).to_contain_text("取号 5", timeout=TIMEOUT)
    page.screenshot(path="/tmp/supervisor-rollup.png")
    page.click("#sv-rollup-toggle")
    expect(page.locator("#sv-rollup")).to_be_hidden()


def test_a_community_supervisor_watches_its_branch_only(page, live_server):
    """Does 彩虹社区's supervisor get its own branch in the switcher, and 403 for the district hall?"""
    sign_in(page, live_server, "/supervisor/", "supervisor_caihong")
    expect(page.locator("#sv-hall-name")).to_have_text("中山市西区彩虹社区服务中心", timeout=TIMEOUT)
    page.click("#sv-halls-toggle")
    links = page.locator("#sv-halls-panel a")
    expect(links).to_have_count(2)
    expect(links.nth(1)).to_have_text("彩虹社区金色家园小区政务服务站")
    answer = page.goto(f"{live_server.url}/supervisor/?hall_code=xiqu")
    assert answer.status == 403


def test_the_monthly_report_for_the_district(page, live_server):
    """Does the monthly report sum 西区's branch with include=children, and list each of its halls?"""
    take(live_server, "longchang", "shsw", 1)
    sign_in(page, live_server, "/reports/monthly", "supervisor1")
    expect(page.locator("#m-include-box")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#m-halls-box")).to_be_hidden()
    page.check("#m-include")
    expect(page.locator("#m-scope")).to_be_visible(timeout=TIMEOUT)
    rows = page.locator("#m-halls tbody tr")
    expect(rows).to_have_count(6, timeout=TIMEOUT)
    expect(rows.nth(0)).to_contain_text("中山市西区行政服务中心")
    longchang = page.locator("#m-halls tbody tr", has_text="隆昌社区服务中心")
    assert int(longchang.locator("td").nth(1).inner_text()) >= 1
    assert "include=children" in page.url
