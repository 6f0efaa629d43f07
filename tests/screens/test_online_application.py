"""网上办 on a phone, against a real server: find the item, apply with a PDF, follow it to 已送达.

The applicant uses the portal only; the clerk (clerk1) and the approver (approver_scjg) act through
the staff API, as their screens would.
"""

import re

from playwright.sync_api import expect

from tests.conftest import PDF, applicant
from tests.screens.helpers import ID_NUMBER, PHONE, sign_in

TIMEOUT = 5000


def fire(live_server, case_no: str, trigger: str, user: str, **body) -> dict:
    status, case = live_server.call(
        "POST", f"/api/v1/cases/{case_no}/transitions", {"trigger": trigger, **body}, live_server.token(user)
    )
    assert status == 200, case
    return case


def see_files_in_back_office(desk, live_server, case_no: str) -> None:
    """The department's approver sees the uploaded files in the back office's case detail."""
    sign_in(desk, live_server, "/backoffice/", "approver_scjg")
    desk.goto(f"{live_server.url}/backoffice/#{case_no}")
    files = desk.locator("#d-files li")
    expect(files).to_have_count(2, timeout=TIMEOUT)
    expect(files.first).to_contain_text("食品经营许可延续申请书")
    expect(files.first.locator("button")).to_have_text("申请书.pdf（1 KB）")
    with desk.expect_popup() as popup:
        files.first.locator("button").click()
    expect(popup.value).to_have_url(re.compile(r"^blob:"), timeout=TIMEOUT)


def _kept_files(server) -> int:
    return len([path for path in server.uploads.rglob("*") if path.is_file()])


def test_apply_online_and_follow_to_delivery(phone_page, page, live_server):
    """Can an applicant find the item, apply with a PDF and watch the case go through to 已送达?"""
    desk, page = page, phone_page
    kept_before = _kept_files(live_server)  # the module's server is shared with the other test
    page.goto(f"{live_server.url}/portal/")
    page.click("#tile-services")

    # The item list: search and filter by mode; each item shows its mode badges.
    page.fill("#f-q", "食品经营许可")
    page.select_option("#f-mode", "online")
    item = page.locator('#items li[data-code="SCJG-007"]')
    expect(item).to_be_visible(timeout=TIMEOUT)
    expect(item.locator(".o-badge")).to_have_text(["网上办"])
    expect(page).to_have_url(re.compile(r"mode=online"))  # the filters are kept in the address
    page.screenshot(path="/tmp/online-services.png")
    item.click()

    # The guide, with each material's guide page and 在线申请.
    expect(page.locator("#g-name")).to_have_text("食品经营许可（延续）", timeout=TIMEOUT)
    expect(page.locator("#g-materials li")).to_have_count(3)
    expect(page.locator("#g-materials li").first.locator("a")).to_have_attribute(
        "href", "/api/v1/services/SCJG-007/materials/1/guide"
    )
    page.screenshot(path="/tmp/online-guide.png", full_page=True)
    page.click("#g-apply")

    # The form: a file that only pretends to be a PDF is refused with a clear message, a real one goes.
    expect(page.locator("#a-service")).to_have_text("食品经营许可（延续）", timeout=TIMEOUT)
    page.fill("#a-name", "王小明")
    page.fill("#a-id", ID_NUMBER)
    page.fill("#a-phone", PHONE)
    page.set_input_files("#m-0", files=[{"name": "申请书.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.set_input_files(
        "#m-1", files=[{"name": "许可证.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}]
    )
    page.check("#a-promise")
    page.click("#a-submit")
    error = page.locator('[data-material-index="1"] .o-file-error')
    expect(error).to_have_text("“许可证.pdf”：只能上传 PDF、JPG 或 PNG 格式的文件", timeout=TIMEOUT)
    expect(page.locator("#a-error")).to_contain_text("草稿")
    page.screenshot(path="/tmp/online-apply-error.png", full_page=True)
    page.set_input_files("#m-1", files=[{"name": "许可证.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#a-submit")

    # My application: in pre-review, masked, with the uploaded files.
    page.wait_for_url(re.compile(r"/portal/applications/XIQU-\d{8}-\d{4}$"), timeout=TIMEOUT)
    case_no = page.url.rsplit("/", 1)[1]
    state = page.locator("#r-state")
    expect(state).to_have_text("网上预审中", timeout=TIMEOUT)
    expect(page.locator("#r-applicant")).to_have_text("王*明 · 138****8000")
    expect(
        page.locator('#r-materials li[data-material="食品经营许可证正本、副本"] .o-files li')
    ).to_have_count(1)
    assert _kept_files(live_server) == kept_before + 2  # the refused file was not kept
    page.screenshot(path="/tmp/online-pre-review.png", full_page=True)

    # The clerk passes pre-review; the approver claims and approves; the clerk hands the result over.
    collector = {"kind": "self", "id_number": ID_NUMBER, "id_checked": True}  # 本人, the ID card checked
    steps = [
        ("pass_pre_review", "clerk1", {}, "待审批"),
        ("claim", "approver_scjg", {}, "审批中"),
        ("approve", "approver_scjg", {"note": "准予延续"}, "准予许可"),
        ("notify_pickup", "clerk1", {}, "待领取"),
        ("deliver", "clerk1", {"data": {"collector": collector}}, "已送达"),
    ]
    for trigger, user, body, state_name in steps:
        fire(live_server, case_no, trigger, user, **body)
        with page.expect_response(re.compile(rf"/api/v1/public/applications/{case_no}$")):
            page.click("#r-refresh")
        expect(state).to_have_text(state_name, timeout=TIMEOUT)
        if trigger == "pass_pre_review":
            expect(page.locator("#r-deadline-row")).to_be_visible()
            expect(page.locator("#r-documents li")).to_have_text(["受理通知书（PDF）"])
            see_files_in_back_office(desk, live_server, case_no)
    expect(page.locator("#r-decision-note")).to_have_text("准予延续")
    expect(page.locator("#r-delivery-box")).to_be_hidden()
    expect(page.locator("#r-withdraw")).to_be_hidden()
    expect(page.locator("#r-history li").first.locator("strong")).to_have_text("已送达")
    page.screenshot(path="/tmp/online-delivered.png", full_page=True)


def test_supplement_online(phone_page, live_server):
    """Does the one complete notice show on the applicant's page, and can they answer it with an upload?"""
    status, created = live_server.call(
        "POST",
        "/api/v1/public/applications",
        {"service": "SCJG-007", "hall": "xiqu", "applicant": applicant("李四")},
    )
    assert status == 201, created
    case_no = created["case_no"]

    page = phone_page
    page.goto(f"{live_server.url}/portal/applications/{case_no}")
    # A new device: the application opens with the case number, phone and ID number.
    expect(page.locator("#access")).to_be_visible(timeout=TIMEOUT)
    page.fill("#x-phone", PHONE)
    page.fill("#x-id", ID_NUMBER)
    page.click("#access button[type=submit]")
    expect(page.locator("#r-state")).to_have_text("草稿", timeout=TIMEOUT)
    for index in (0, 1):
        with page.expect_response(re.compile(r"/files$")):
            page.set_input_files(
                f"#u-{index}",
                files=[{"name": f"材料{index}.pdf", "mimeType": "application/pdf", "buffer": PDF}],
            )
        expect(page.locator("#r-materials > li").nth(index).locator(".o-files li")).to_have_count(
            1, timeout=TIMEOUT
        )
    page.click("#r-submit")
    expect(page.locator("#r-state")).to_have_text("网上预审中", timeout=TIMEOUT)

    fire(
        live_server,
        case_no,
        "request_supplement",
        "clerk1",
        note="请补充自查记录",
        data={"missing": ["近三个月食品安全自查记录"]},
    )
    page.click("#r-refresh")
    expect(page.locator("#r-state")).to_have_text("待补正材料", timeout=TIMEOUT)
    expect(page.locator("#r-notice")).to_be_visible()
    expect(page.locator("#r-missing li")).to_have_text(["近三个月食品安全自查记录"])
    asked = page.locator('#r-materials li[data-material="近三个月食品安全自查记录"]')
    with page.expect_response(re.compile(r"/files$")):
        asked.locator("input[type=file]").set_input_files(
            files=[{"name": "自查记录.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    expect(asked.locator(".o-files li")).to_have_count(1, timeout=TIMEOUT)
    page.screenshot(path="/tmp/online-supplement.png", full_page=True)
    page.click("#r-supplement")
    expect(page.locator("#r-state")).to_have_text("网上预审中", timeout=TIMEOUT)
    expect(page.locator("#r-notice")).to_be_hidden()
