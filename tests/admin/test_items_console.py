"""The console's 事项清单 tab in Chromium: a draft refused beside its field, saved, published as version 1."""

from playwright.sync_api import expect

from tests.admin.test_console import TIMEOUT, sign_in


def fill_item(tab, code: str, name: str, mode: str, legal_days: str, promised_days: str) -> None:
    """Fill in a new item of 市场监管 (scjg), served in the queue shsd: code, name, one mode, time limits."""
    tab.fill("#item-form-code", code)
    tab.fill("#item-form-name", name)
    tab.select_option("#item-form-department", "scjg")
    tab.fill("#item-form-queue", "shsd")
    tab.check(f'#item-form-modes input[value="{mode}"]')
    tab.fill("#item-form-legal_days", legal_days)
    tab.fill("#item-form-promised_days", promised_days)


def open_item(tab, code: str, button: str) -> None:
    """Find an item in the 事项清单 tab by its code and open it with the button of that name (修改…/查看…)."""
    tab.click("#tab-items")
    tab.fill("#items-list-q", code)
    tab.click("#items-list form.ad-search button")
    tab.get_by_role("button", name=button).click()


def test_an_item_is_drafted_published_and_public(page, live_server):  # noqa: F811
    """Is a new item a draft the public cannot see until it is published in the console?"""
    server = live_server
    sign_in(page, f"{server.url}/admin/", "admin", "demo", "**/admin/")
    page.click("#tab-items")
    expect(page.locator("#items-list tbody")).to_contain_text("BDC-001", timeout=TIMEOUT)
    expect(page.locator("#item-form-department option[value=scjg]")).to_have_count(1, timeout=TIMEOUT)

    fill_item(page, "T-WEB1", "测试网页事项", "once", legal_days="10", promised_days="12")
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


SAMPLE_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_sample_uploaded_in_the_console_is_linked_on_the_guide(page, live_server):  # noqa: F811
    """Is a sample uploaded in the console linked as 查看示例 on the public guide, until removed?"""
    server = live_server
    sign_in(page, f"{server.url}/admin/", "admin", "demo", "**/admin/")
    open_item(page, "SCJG-001", "修改营业执照（企业设立登记）")
    samples = page.locator("#item-samples")
    expect(samples).to_contain_text("公司章程", timeout=TIMEOUT)
    expect(samples).to_contain_text("未上传")

    page.click("#item-samples button:has-text('上传') >> nth=1")  # no file chosen yet
    expect(page.locator("#item-samples-error")).to_contain_text("请先为“公司章程”选择", timeout=TIMEOUT)
    page.set_input_files(
        "#sample-file-1", {"name": "公司章程示例.pdf", "mimeType": "application/pdf", "buffer": SAMPLE_PDF}
    )
    page.click("#item-samples button:has-text('上传') >> nth=1")
    expect(page.locator("#ad-banner-text")).to_contain_text("已保存“公司章程”的示例文本", timeout=TIMEOUT)
    expect(samples.locator("a", has_text="公司章程示例.pdf")).to_have_count(1, timeout=TIMEOUT)

    page.goto(f"{server.url}/portal/services/SCJG-001")
    link = page.locator("#g-materials a.o-sample")
    expect(link).to_have_count(1, timeout=TIMEOUT)
    expect(link).to_have_text("查看示例")
    expect(page.locator("#g-materials li", has_text="公司章程").locator("a.o-sample")).to_have_count(1)
    expect(page.locator("#g-materials a", has_text="材料说明（PDF）")).to_have_count(
        5
    )  # the others: the fallback
    href = link.get_attribute("href")
    assert href == "/api/v1/services/SCJG-001/materials/2/sample"
    served = page.request.get(server.url + href)
    assert served.ok and served.body() == SAMPLE_PDF and served.headers["content-type"] == "application/pdf"
    page.screenshot(path="/tmp/portal-guide-sample.png")

    page.goto(f"{server.url}/admin/")
    open_item(page, "SCJG-001", "修改营业执照（企业设立登记）")
    page.get_by_role("button", name="删除“公司章程”的示例文本").click()
    expect(page.locator("#ad-banner-text")).to_contain_text("已删除", timeout=TIMEOUT)
    page.goto(f"{server.url}/portal/services/SCJG-001")
    expect(page.locator("#g-materials a", has_text="材料说明（PDF）")).to_have_count(6, timeout=TIMEOUT)
    expect(page.locator("#g-materials a.o-sample")).to_have_count(0)


def test_a_hall_admin_reads_the_item_list_and_changes_nothing(page, live_server):  # noqa: F811
    """Does a hall admin see the items, their versions and samples read-only, without the editing buttons?"""
    server = live_server
    body = {
        "username": "t_items_reader",
        "name": "西区大厅管理员",
        "password": "reader-pass-1",
        "roles": ["hall_admin"],
    }
    status, answer = server.call(
        "POST", "/api/v1/admin/users", {**body, "hall": "xiqu"}, token=server.token("admin")
    )
    assert status == 201, answer
    sign_in(page, f"{server.url}/admin/", "t_items_reader", "reader-pass-1", "**/admin/")
    expect(page.locator("#tab-calendar")).to_have_count(0)
    open_item(page, "SCJG-001", "查看营业执照（企业设立登记）")
    expect(page.locator("#item-form-title")).to_contain_text("查看事项", timeout=TIMEOUT)
    expect(page.locator("#item-versions")).to_contain_text("第 1 版（现行）", timeout=TIMEOUT)
    expect(page.locator("#item-samples")).to_contain_text("公司章程", timeout=TIMEOUT)
    expect(page.locator("#item-samples input[type=file]")).to_have_count(0)
    expect(page.locator("#item-form-name")).to_be_disabled()
    for hidden in ("#item-save", "#item-publish-box", "#items-import-form"):
        expect(page.locator(hidden)).to_be_hidden()


def test_a_bundle_is_defined_in_the_console(page, live_server):  # noqa: F811
    """Does the console keep a 一件事: its parts, their order and a question, refused beside the field
    when a part is unknown or a choice adds a part the bundle does not hold, and public once published?"""
    server = live_server
    sign_in(page, f"{server.url}/admin/", "admin", "demo", "**/admin/")
    page.click("#tab-items")
    expect(page.locator("#item-form-department option[value=scjg]")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("#item-bundle")).to_be_hidden()

    fill_item(page, "T-WEBB", "测试一件事（开奶茶店）", "bundle", legal_days="20", promised_days="6")
    expect(page.locator("#item-bundle")).to_be_visible()
    page.fill("#item-bundle-parts", "SCJG-001、SCJG-006、NOPE-1")
    page.fill("#item-bundle-depends", "SCJG-006：SCJG-001")
    page.fill("#item-bundle-questions", "area｜经营面积是否超过 300 平方米？｜no=否；yes=是【增加：ZJJ-004】")
    page.click("#item-save")
    expect(page.locator("#item-bundle-parts-error")).to_contain_text("NOPE-1", timeout=TIMEOUT)

    page.fill("#item-bundle-parts", "SCJG-001、SCJG-006")
    page.click("#item-save")
    expect(page.locator("#item-bundle-questions-error")).to_contain_text("ZJJ-004", timeout=TIMEOUT)

    page.fill("#item-bundle-parts", "SCJG-001、SCJG-006、ZJJ-004")
    page.click("#item-save")
    expect(page.locator("#ad-banner-text")).to_contain_text("已保存草稿", timeout=TIMEOUT)
    page.click("#item-publish")
    expect(page.locator("#ad-banner-text")).to_contain_text("第 1 版", timeout=TIMEOUT)
    expect(page.locator("#item-bundle-questions")).to_have_value(
        "area｜经营面积是否超过 300 平方米？｜no=否；yes=是【增加：ZJJ-004】"
    )
    page.screenshot(path="/tmp/admin-console-bundle.png", full_page=True)

    status, item = server.call("GET", "/api/v1/services/T-WEBB")
    assert status == 200 and item["parts"] == ["SCJG-001", "SCJG-006", "ZJJ-004"]
    assert item["depends"] == {"SCJG-006": ["SCJG-001"]}
    status, plan = server.call("POST", "/api/v1/services/T-WEBB/plan", {"answers": {"area": "no"}})
    assert status == 200 and plan["parts"] == ["SCJG-001", "SCJG-006"], plan
