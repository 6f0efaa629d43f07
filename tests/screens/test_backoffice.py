"""The back office (后台) in a real browser against a real server.

Approval: cases are opened through the API as a window clerk (clerk1) and accepted, which
dispatches them to the 市场监管 department; the screen is used by that department's approver
(approver_scjg, 刘伟明). 网上预审: applications are made through the public API as a citizen would
(docs/online.md) and pre-reviewed on the screen by clerk1. The live server is shared by the module,
so each test works on cases it opened itself.
"""

import io
import re

import pytest
import requests
from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from tests.screens import helpers

TIMEOUT = 5000  # ms: everything here is local; live updates arrive well within this
APPROVER = "approver_scjg"
APPROVER_NAME = "刘伟明"
ONLINE_SERVICE = "SCJG-007"  # 食品经营许可（延续）: online only, two required materials
APPLICATION_FORM = "食品经营许可延续申请书"
LICENCE = "食品经营许可证正本、副本"


@pytest.fixture(scope="module")
def tokens(live_server):
    return {name: live_server.token(name) for name in ("clerk1", "admin")}


def open_case(live_server, token) -> str:
    """Open a 一次办 food-business licence case at the window, accept it and return its number."""
    case = helpers.accepted_case(live_server, token)
    assert case["state"] == "in_approval", case
    return case["case_no"]


def sign_in(page, live_server, username=APPROVER):
    """Sign in through the login form on the way to the back office (and wait for the live link)."""
    helpers.sign_in(page, live_server, "/backoffice/", username)
    expect(page.locator("#bo-conn")).to_have_text("● 实时连接", timeout=TIMEOUT)


def row(page, case_no):
    return page.locator(f'#bo-rows tr[data-case-no="{case_no}"]')


def action(page, trigger):
    return page.locator(f'#bo-actions [data-trigger="{trigger}"]')


def test_claim_and_approve(page, live_server, tokens):
    """Does a newly dispatched case appear under 待认领 by itself, and do 认领 and 准予许可 decide it on
    the record?"""
    sign_in(page, live_server)
    case_no = open_case(live_server, tokens["clerk1"])  # after the page loaded: it must arrive live

    expect(row(page, case_no)).to_be_visible(timeout=TIMEOUT)
    expect(row(page, case_no)).to_contain_text("张*")  # the applicant is masked in the list
    expect(row(page, case_no)).not_to_contain_text("张三")
    expect(row(page, case_no)).to_contain_text("待审批")  # the server's name of in_approval
    expect(row(page, case_no)).to_have_attribute("data-light", re.compile("^(green|yellow|red)$"))
    expect(row(page, case_no).locator(".bo-dot")).to_have_attribute("aria-label", re.compile("灯"))

    row(page, case_no).click()
    expect(page.locator("#d-case-no")).to_have_text(case_no, timeout=TIMEOUT)
    expect(page.locator("#d-state")).to_have_text("待审批")
    expect(page.locator("#d-applicant")).to_have_text("张三")
    expect(page.locator("#d-id-number")).to_have_text("442000********1233")
    expect(page.locator("#d-phone")).not_to_contain_text("13800138000")
    expect(action(page, "claim")).to_be_visible()
    for trigger in ("approve", "deny", "suspend", "unclaim", "mail"):  # only what allowed_triggers lists
        expect(action(page, trigger)).to_be_hidden()

    action(page, "claim").click()
    expect(page.locator("#d-state")).to_have_text("审批中", timeout=TIMEOUT)
    expect(page.locator("#d-assignee")).to_have_text(APPROVER_NAME)
    expect(row(page, case_no)).to_have_count(0, timeout=TIMEOUT)  # no longer waiting to be claimed
    page.click('.bo-tab[data-tab="mine"]')
    expect(row(page, case_no)).to_be_visible()
    expect(action(page, "claim")).to_be_hidden()

    action(page, "approve").click()
    dialog = page.locator("#bo-dialog")
    expect(dialog).to_be_visible()
    page.click("#dlg-ok")  # the opinion is required
    expect(page.locator("#dlg-error")).to_contain_text("请填写审批意见")
    page.fill("#dlg-note", "材料齐全，现场核查符合要求，准予许可。")
    page.screenshot(path="/tmp/backoffice-approve.png")
    page.click("#dlg-ok")
    expect(dialog).to_be_hidden(timeout=TIMEOUT)
    expect(page.locator("#d-state")).to_have_text("准予许可", timeout=TIMEOUT)
    latest = page.locator("#d-history li").first
    expect(latest).to_contain_text("准予许可")
    expect(latest).to_contain_text("审批中 → 准予许可")
    expect(latest).to_contain_text(APPROVER_NAME)
    expect(latest).to_contain_text("材料齐全，现场核查符合要求，准予许可。")
    expect(action(page, "mail")).to_be_visible()
    expect(action(page, "approve")).to_be_hidden()
    page.click('.bo-tab[data-tab="decided"]')
    expect(row(page, case_no)).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path="/tmp/backoffice-approved.png")

    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens["admin"])
    assert case["state"] == "approved"
    decision = case["history"][-1]
    assert (decision["trigger"], decision["from"], decision["to"], decision["actor"]) == (
        "approve",
        "reviewing",
        "approved",
        APPROVER,
    )
    assert decision["note"] == "材料齐全，现场核查符合要求，准予许可。"


def test_suspend_resume_and_mail(page, live_server, tokens):
    """Does 中止 record its §45 reason and stop the clock, 恢复 restart it, and 邮寄 take the waybill
    number?"""
    case_no = open_case(live_server, tokens["clerk1"])
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/backoffice/#{case_no}")
    expect(page.locator("#d-case-no")).to_have_text(case_no, timeout=TIMEOUT)
    action(page, "claim").click()
    expect(page.locator("#d-state")).to_have_text("审批中", timeout=TIMEOUT)

    action(page, "suspend").click()
    page.select_option("#dlg-kind", "expert_review")
    page.fill("#dlg-note", "组织专家评审")
    page.click("#dlg-ok")
    expect(page.locator("#d-state")).to_have_text("中止（听证、检验、鉴定等）", timeout=TIMEOUT)
    expect(page.locator("#d-clock")).to_contain_text("计时暂停")
    expect(page.locator("#d-history li").first).to_contain_text("原因：专家评审")
    expect(action(page, "approve")).to_be_hidden()
    expect(action(page, "resume")).to_be_visible()

    action(page, "resume").click()
    expect(page.locator("#d-state")).to_have_text("审批中", timeout=TIMEOUT)
    expect(page.locator("#d-clock")).not_to_contain_text("计时暂停")

    action(page, "deny").click()
    page.fill("#dlg-note", "经营场所不符合食品安全要求。")
    page.click("#dlg-ok")
    expect(page.locator("#d-state")).to_have_text("不予许可", timeout=TIMEOUT)

    action(page, "mail").click()
    expect(page.locator("#dlg-address")).to_have_value("广东省中山市西区富华道1号")
    page.fill("#dlg-waybill", "no")  # the API refuses it: the dialog says why
    page.click("#dlg-ok")
    expect(page.locator("#dlg-error")).to_contain_text("运单号", timeout=TIMEOUT)
    page.fill("#dlg-waybill", "SF1234567890")
    page.click("#dlg-ok")
    expect(page.locator("#d-state")).to_have_text("邮寄中", timeout=TIMEOUT)
    expect(page.locator("#d-delivery")).to_contain_text("SF1234567890")

    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens["admin"])
    assert [h["trigger"] for h in case["history"][-5:]] == ["claim", "suspend", "resume", "deny", "mail"]
    assert case["history"][-4]["data"] == {"kind": "expert_review"}
    assert case["waybill_no"] == "SF1234567890"


def test_supplement_notice_lists_ticked_and_written_materials(page, live_server, tokens):
    """Does 补正告知 send the ticked materials and the free text as one notice, and pause the clock?"""
    case_no = open_case(live_server, tokens["clerk1"])
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/backoffice/#{case_no}")
    action(page, "claim").click()
    expect(page.locator("#d-state")).to_have_text("审批中", timeout=TIMEOUT)

    action(page, "request_supplement").click()
    page.click("#dlg-ok")  # nothing ticked: refused on the spot
    expect(page.locator("#dlg-error")).to_contain_text("至少")
    page.locator("#dlg-materials label", has_text="营业执照或其他主体资格证明文件").locator("input").check()
    page.fill("#dlg-missing-extra", "经营场所平面图（标注尺寸）")
    page.click("#dlg-ok")
    expect(page.locator("#d-state")).to_have_text("待补正材料", timeout=TIMEOUT)
    expect(page.locator("#d-missing")).to_contain_text("营业执照或其他主体资格证明文件")
    expect(page.locator("#d-missing")).to_contain_text("经营场所平面图（标注尺寸）")
    page.click('.bo-tab[data-tab="mine"]')
    expect(row(page, case_no)).to_contain_text("待补正", timeout=TIMEOUT)

    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens["admin"])
    assert case["missing"] == ["营业执照或其他主体资格证明文件", "经营场所平面图（标注尺寸）"]
    assert case["clock_paused"] is True


def hold_case_notices(page):
    """Keep case_updated notices from the page, as if a colleague's claim had not reached it yet."""

    def route(ws):
        server = ws.connect_to_server()

        def from_server(message):
            if isinstance(message, str) and '"case_updated"' in message:
                return
            ws.send(message)

        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/socket\.io/"), route)


def test_claim_lost_to_a_colleague_is_explained(page, live_server, tokens):
    """When a colleague claims the case first, does 认领 say so in plain Chinese and show the case as it is
    now?"""
    case_no = open_case(live_server, tokens["clerk1"])
    hold_case_notices(page)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/backoffice/#{case_no}")
    expect(page.locator("#d-case-no")).to_have_text(case_no, timeout=TIMEOUT)
    expect(action(page, "claim")).to_be_visible()

    status, claimed = live_server.call(
        "POST", f"/api/v1/cases/{case_no}/transitions", {"trigger": "claim"}, tokens["admin"]
    )
    assert status == 200, claimed
    expect(action(page, "claim")).to_be_visible()  # the screen has not heard of it yet

    action(page, "claim").click()
    banner = page.locator("#bo-banner")
    expect(banner).to_be_visible(timeout=TIMEOUT)
    expect(banner).to_contain_text("该办件已被系统管理员认领")
    expect(page.locator("#d-state")).to_have_text("审批中")
    expect(page.locator("#d-assignee")).to_have_text("系统管理员")
    expect(action(page, "claim")).to_be_hidden()
    expect(row(page, case_no)).to_have_count(0, timeout=TIMEOUT)  # the list was read again
    page.screenshot(path="/tmp/backoffice-claim-lost.png")

    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens["admin"])
    assert case["assignee"]["username"] == "admin"
    assert [h["trigger"] for h in case["history"]].count("claim") == 1


@pytest.mark.parametrize(
    "username, tabs",
    [
        ("clerk1", ["pre_review", "transfers"]),
        ("approver_scjg", ["claimable", "mine", "decided", "all"]),
        ("supervisor1", ["pre_review", "claimable", "mine", "decided", "all"]),
        ("admin", ["pre_review", "claimable", "mine", "decided", "all", "transfers"]),
    ],
)
def test_tabs_by_role(page, live_server, username, tabs):
    """Does each role see its own tabs: a clerk 网上预审 only, an approver the approval tabs, supervisors
    both?"""
    sign_in(page, live_server, username)
    expect(page.locator(".bo-tab")).to_have_count(len(tabs))
    assert [tab.get_attribute("data-tab") for tab in page.locator(".bo-tab").all()] == tabs
    selected = "claimable" if "claimable" in tabs else "pre_review"
    expect(page.locator(".bo-tab[aria-selected=true]")).to_have_attribute("data-tab", selected)


def test_clerk_sees_only_pre_review(page, live_server):
    """Does a window clerk get the back office for 网上预审 and 案卷流转: no search, no approval views?"""
    sign_in(page, live_server, "clerk1")
    expect(page.locator("h1")).to_have_text("网上预审 · 案卷流转")
    expect(page.locator(".bo-tab")).to_have_count(2)
    expect(page.locator(".bo-tab").first).to_contain_text("网上预审")
    expect(page.locator(".bo-tab").first).to_have_attribute("aria-selected", "true")
    expect(page.locator(".bo-tab").nth(1)).to_contain_text("案卷流转")
    expect(page.locator("#bo-transfers")).to_be_hidden()
    expect(page.locator("#bo-search")).to_have_count(0)


def test_agent_is_refused(page, live_server):
    """Is the screen closed (403) to a user who neither pre-reviews nor approves (an agent)?"""
    helpers.sign_in(page, live_server, "/backoffice/", "agent1")
    expect(page.locator("body")).to_contain_text("403")


# --- 网上预审 ---


def small_pdf(text: str) -> bytes:
    """A one-page PDF that says what it is (the applicant's scan)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(200, 100))
    pdf.drawString(20, 50, text)
    pdf.save()
    return buffer.getvalue()


def public_call(live_server, method, path, body=None, token=None, form=None):
    """Call the applicant's API (X-Application-Token); `form` sends (fields, (name, filename, bytes)) as
    multipart."""
    headers = {"X-Application-Token": token} if token else {}
    sent = {"json": body}
    if form is not None:
        fields, (field, filename, content) = form
        sent = {"data": fields, "files": {field: (filename, content, "application/pdf")}}
    answer = requests.request(method, live_server.url + path, headers=headers, timeout=10, **sent)
    return answer.status_code, answer.json()


def apply_online(live_server, pdf: bytes) -> tuple[str, str]:
    """Apply for SCJG-007 as a citizen, upload a PDF for each required material, submit; return (case_no,
    token)."""
    status, created = public_call(
        live_server,
        "POST",
        "/api/v1/public/applications",
        {
            "service": ONLINE_SERVICE,
            "hall": "xiqu",
            "applicant": {"name": "王小明", "id_number": "442000199001011233", "phone": "13800138000"},
            "delivery": {"method": "pickup", "hall": "xiqu"},
        },
    )
    assert status == 201, created
    case_no, token = created["case_no"], created["token"]
    for material, filename in ((APPLICATION_FORM, "申请书.pdf"), (LICENCE, "许可证.pdf")):
        status, answer = public_call(
            live_server,
            "POST",
            f"/api/v1/public/applications/{case_no}/files",
            token=token,
            form=({"material": material}, ("file", filename, pdf)),
        )
        assert status == 201, answer
    status, answer = public_call(
        live_server, "POST", f"/api/v1/public/applications/{case_no}/submit", {}, token
    )
    assert status == 200 and answer["state"] == "pre_review", answer
    return case_no, token


def test_clerk_opens_the_files_and_passes_pre_review(page, live_server, tokens):
    """Does a submitted online application reach the clerk's 网上预审 list by itself, do its files open
    from the detail pane, and does 预审通过 accept it and send it to the department?"""
    pdf = small_pdf("Food licence renewal form (scan)")
    sign_in(page, live_server, "clerk1")
    case_no, _ = apply_online(live_server, pdf)  # after the page loaded: it must arrive live

    expect(row(page, case_no)).to_be_visible(timeout=TIMEOUT)
    expect(row(page, case_no)).to_contain_text("王*")
    expect(row(page, case_no)).to_contain_text("网上预审中")
    row(page, case_no).click()
    expect(page.locator("#d-case-no")).to_have_text(case_no, timeout=TIMEOUT)
    expect(page.locator("#d-mode")).to_have_text("网上办")
    expect(page.locator("#d-id-number")).to_have_text("442000********1233")
    expect(page.locator("#d-materials")).to_contain_text("电子件 1 份")
    for trigger in ("pass_pre_review", "request_supplement", "refuse"):
        expect(action(page, trigger)).to_be_visible()
    for trigger in ("claim", "approve", "mail"):
        expect(action(page, trigger)).to_be_hidden()

    files = page.locator("#d-files li")
    expect(files).to_have_count(2, timeout=TIMEOUT)
    first = files.filter(has_text=APPLICATION_FORM).locator("button")
    expect(first).to_have_text(re.compile(r"^申请书\.pdf（\d+ KB）$"))
    with page.expect_popup() as popup:
        first.click()
    expect(popup.value).to_have_url(re.compile(r"^blob:"), timeout=TIMEOUT)
    # The tab shows the file as the applicant sent it (read back through the page's blob URL).
    opened = page.evaluate(
        "url => fetch(url).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))",
        popup.value.url,
    )
    assert bytes(opened) == pdf
    page.screenshot(path="/tmp/backoffice-pre-review.png")

    action(page, "pass_pre_review").click()
    expect(page.locator("#bo-dialog")).to_be_visible()
    page.fill("#dlg-note", "材料齐全，预审通过")
    page.click("#dlg-ok")
    expect(page.locator("#bo-dialog")).to_be_hidden(timeout=TIMEOUT)
    expect(page.locator("#d-state")).to_have_text("待审批", timeout=TIMEOUT)
    expect(action(page, "pass_pre_review")).to_be_hidden()
    expect(row(page, case_no)).to_have_count(0, timeout=TIMEOUT)  # no longer waiting for pre-review

    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens["admin"])
    assert case["state"] == "in_approval" and case["accepted_at"] is not None
    passed, dispatched = case["history"][-2:]
    assert (passed["trigger"], passed["from"], passed["actor"], passed["note"]) == (
        "pass_pre_review",
        "pre_review",
        "clerk1",
        "材料齐全，预审通过",
    )
    assert dispatched["trigger"] == "dispatch"


def test_clerk_sends_one_complete_notice(page, live_server, tokens):
    """Does 一次性告知补正 send the ticked material and the free text back to the applicant as one notice?"""
    case_no, token = apply_online(live_server, small_pdf("Licence (blurred scan)"))
    sign_in(page, live_server, "clerk1")
    page.goto(f"{live_server.url}/backoffice/#{case_no}")
    expect(page.locator("#d-state")).to_have_text("网上预审中", timeout=TIMEOUT)

    action(page, "request_supplement").click()
    expect(page.locator("#dlg-sub")).to_contain_text("网上补传")
    page.click("#dlg-ok")  # nothing ticked: refused on the spot
    expect(page.locator("#dlg-error")).to_contain_text("至少")
    page.locator("#dlg-materials label", has_text=LICENCE).locator("input").check()
    page.fill("#dlg-missing-extra", "许可证副本扫描件不清晰，请重新扫描")
    page.click("#dlg-ok")
    expect(page.locator("#d-state")).to_have_text("待补正材料", timeout=TIMEOUT)
    expect(page.locator("#d-missing")).to_contain_text(LICENCE)
    expect(page.locator("#d-history li").first).to_contain_text("需补正：" + LICENCE)
    expect(row(page, case_no)).to_have_count(0, timeout=TIMEOUT)

    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens["admin"])
    assert case["state"] == "awaiting_supplement"
    assert case["missing"] == [LICENCE, "许可证副本扫描件不清晰，请重新扫描"]
    assert case["history"][-1]["actor"] == "clerk1" and "supplement" in case["documents"]
    status, application = public_call(
        live_server, "GET", f"/api/v1/public/applications/{case_no}", token=token
    )
    assert status == 200 and application["missing"] == case["missing"]  # the applicant reads the same list


def test_clerk_refuses_with_a_reason(page, live_server, tokens):
    """Does 不予受理 ask for the reason before it is sent, and end the application with it?"""
    case_no, _ = apply_online(live_server, small_pdf("Form"))
    sign_in(page, live_server, "clerk1")
    page.goto(f"{live_server.url}/backoffice/#{case_no}")
    action(page, "refuse").click()
    page.click("#dlg-ok")
    expect(page.locator("#dlg-error")).to_contain_text("请填写不予受理的理由")
    page.fill("#dlg-note", "申请人不是该许可证的持有人")
    page.click("#dlg-ok")
    expect(page.locator("#d-state")).to_have_text("不予受理", timeout=TIMEOUT)

    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens["admin"])
    assert case["state"] == "not_accepted" and case["history"][-1]["note"] == "申请人不是该许可证的持有人"


def test_an_approver_sees_the_whole_event_of_a_part(page, live_server, tokens):
    """一件事: does the approver of 营业执照 see the other parts of the same event, those waiting for it
    marked 等待前置事项, and does the bundle itself list every part with its department and state?"""
    status, bundle = live_server.call(
        "POST",
        "/api/v1/cases",
        {
            "service": "YJS-001",
            "hall": "xiqu",
            "mode": "bundle",
            "applicant": {"name": "张三", "id_number": helpers.ID_NUMBER, "phone": helpers.PHONE},
            "delivery": {"method": "pickup"},
        },
        tokens["clerk1"],
    )
    assert status == 201, bundle
    accept = {"trigger": "accept"}
    status, bundle = live_server.call(
        "POST", f"/api/v1/cases/{bundle['case_no']}/transitions", accept, tokens["clerk1"]
    )
    assert status == 200, bundle
    parts = {child["service"]: child["case_no"] for child in bundle["children"]}

    sign_in(page, live_server)
    expect(row(page, parts["SCJG-001"])).to_be_visible(timeout=TIMEOUT)
    row(page, parts["SCJG-001"]).click()
    expect(page.locator("#d-case-no")).to_have_text(parts["SCJG-001"], timeout=TIMEOUT)
    block = page.locator("#d-parts-block")
    expect(block).to_be_visible()
    expect(block.locator("h3")).to_contain_text(bundle["case_no"])
    siblings = block.locator("li.bo-part")
    expect(siblings).to_have_count(3)
    waiting = block.locator('li[data-service="SCJG-006"]')
    expect(waiting).to_have_attribute("data-state", "waiting")
    expect(waiting).to_contain_text("等待前置事项")
    expect(block.locator('li[data-service="CGJ-002"]')).to_contain_text("中山市城市管理和综合执法局西区分局")

    # The waiting part of the same department reads 等待前置事项 and offers no action.
    waiting.locator("a").click()
    expect(page.locator("#d-case-no")).to_have_text(parts["SCJG-006"], timeout=TIMEOUT)
    expect(page.locator("#d-state")).to_have_text("等待前置事项")
    expect(page.locator("#bo-actions [data-trigger]:not([hidden])")).to_have_count(0)
    expect(page.locator("#bo-no-actions")).to_be_visible()
    page.screenshot(path="/tmp/backoffice-bundle-part.png")

    # An administrator opening the bundle sees every part.
    page.context.clear_cookies()
    helpers.sign_in(page, live_server, "/backoffice/", "admin")
    page.evaluate("no => { location.hash = no; }", bundle["case_no"])
    expect(page.locator("#d-case-no")).to_have_text(bundle["case_no"], timeout=TIMEOUT)
    expect(page.locator("#d-parts li.bo-part")).to_have_count(4)
    expect(page.locator("#d-parts-block h3")).to_contain_text("含 4 个子项")
