"""The console's hall tree in Chromium: the demo city drawn 区 → 社区 → 站, a station added under one."""

from playwright.sync_api import expect

from tests.admin.test_console import TIMEOUT, sign_in


def test_the_halls_are_drawn_as_a_tree_and_grow_from_it(page, live_server):
    """Does the tree nest the communities under 西区 and a station under its community, and add one?"""
    sign_in(page, f"{live_server.url}/admin/", "admin", "demo", "**/admin/")
    tree = page.locator("#halls-tree")
    xiqu = tree.locator('li[data-hall="xiqu"]')
    expect(xiqu).to_be_visible(timeout=TIMEOUT)
    for community in ("caihong", "changzhou", "longchang"):
        expect(xiqu.locator(f'li[data-hall="{community}"]')).to_have_count(1)
    expect(xiqu.locator('li[data-hall="caihong"] li[data-hall="jinse"]')).to_contain_text("金色家园")
    expect(tree.locator('li[data-hall="dongqu"] li[data-hall="qiwan"]')).to_have_count(1)
    expect(xiqu.locator('li[data-hall="dongqu"]')).to_have_count(0)

    # Opening a hall from the tree fills the form.
    tree.locator('li[data-hall="longchang"] > .ad-tree-row .ad-tree-hall').click()
    expect(page.locator("#hall-form-title")).to_contain_text("隆昌社区服务中心")
    expect(page.locator("#hall-form-parent")).to_have_value("xiqu")

    # 添加下级 under 长洲社区: a station, its parent filled in.
    tree.locator('li[data-hall="changzhou"] > .ad-tree-row .ad-row-button').click()
    expect(page.locator("#hall-form-level")).to_have_value("station")
    expect(page.locator("#hall-form-parent")).to_have_value("changzhou")
    page.fill("#hall-form-code", "t_zhan")
    page.fill("#hall-form-name", "长洲社区新村小区政务服务站")
    page.click("#hall-save")
    expect(page.locator("#ad-banner-text")).to_contain_text("已新建服务大厅", timeout=TIMEOUT)
    expect(tree.locator('li[data-hall="changzhou"] li[data-hall="t_zhan"]')).to_contain_text(
        "新村小区", timeout=TIMEOUT
    )

    # A station under a district is refused beside the parent field.
    tree.locator('li[data-hall="dongqu"] > .ad-tree-row .ad-row-button').click()
    page.select_option("#hall-form-level", "station")
    page.fill("#hall-form-code", "t_bad")
    page.fill("#hall-form-name", "错挂的服务站")
    page.click("#hall-save")
    expect(page.locator("#hall-form-parent-error")).to_contain_text("社区服务中心", timeout=TIMEOUT)
    expect(tree.locator('li[data-hall="t_bad"]')).to_have_count(0)
    page.screenshot(path="/tmp/admin-hall-tree.png")
