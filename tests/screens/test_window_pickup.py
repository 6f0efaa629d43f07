"""统一出件 on the clerk's screen, in a real browser against a real server: the clerk at the unified
pickup window finds a decided case and hands it over, mails it, or sends a bundle part to its bundle."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.screens.test_window_client import TIMEOUT, sign_in
from tests.screens.test_window_intake import fire, id_number, tokens, windows  # noqa: F401  (fixtures)


def test_pickup_window_delivers_and_closes(page, live_server, tokens, windows):
    """At the 统一出件 window, is a decided case found by its number, held back while a 容缺 material
    is missing, then handed over and archived; and is a case found by ID number announced for pickup?"""
    clerk, approver = tokens["clerk1"], tokens["approver_scjg"]
    due = (dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=10)).isoformat()

    def decided_case(applicant_id):
        case = live_server.open_case(
            clerk,
            service="SCJG-001",
            mode="citywide",
            applicant={"name": "李四", "id_number": applicant_id, "phone": "13900139000"},
            delivery={"method": "pickup", "hall": "xiqu"},
        )
        fire(
            live_server,
            case["case_no"],
            "accept_with_deficiency",
            clerk,
            data={"deficiencies": ["名称自主申报告知书"], "due": due},
        )
        fire(live_server, case["case_no"], "claim", approver)
        fire(live_server, case["case_no"], "approve", approver, note="符合条件，准予登记")
        return case["case_no"]

    ready_no = decided_case(id_number("44200019850505002"))
    fire(live_server, ready_no, "notify_pickup", approver)
    other_id = id_number("44200019920315004")
    approved_no = decided_case(other_id)

    sign_in(page, live_server, "clerk4", windows[15])
    pickup_button = page.locator("#btn-pickup")
    expect(pickup_button).to_have_class(re.compile("w-btn-pickup"))  # prominent at 统一出件
    page.keyboard.press("F11")
    dialog = page.locator("#pickup-dialog")
    expect(dialog).to_be_visible()
    ready_row = dialog.locator(f'.c-result[data-case-no="{ready_no}"]')
    expect(ready_row).to_be_visible(timeout=TIMEOUT)  # 待取件 list

    page.fill("#pk-q", ready_no)
    page.press("#pk-q", "Enter")
    expect(dialog.locator("#pk-case-no")).to_have_text(ready_no, timeout=TIMEOUT)
    expect(dialog.locator("#pk-state")).to_have_text("待领取")
    expect(dialog.locator("#pk-id")).to_have_text(re.compile(r"^442000\*+\d{3}[\dX]$"))
    expect(dialog.locator("#pk-notify")).to_be_hidden()
    deficiency = dialog.locator('#pk-deficiency-list input[value="名称自主申报告知书"]')
    expect(deficiency).not_to_be_checked()

    # Still missing: the server says no (409) and the screen shows why.
    dialog.locator("#pk-deliver").click()
    expect(dialog.locator("#pk-error")).to_contain_text("容缺材料尚未补齐", timeout=TIMEOUT)
    expect(dialog.locator("#pk-state")).to_have_text("待领取")

    deficiency.check()
    page.fill("#pk-collector-id", id_number("44200019850505002"))  # 本人, the ID card checked
    dialog.locator("#pk-id-checked").check()
    dialog.locator("#pk-deliver").click()
    expect(dialog.locator("#pk-state")).to_have_text("已送达", timeout=TIMEOUT)
    expect(dialog.locator("#pk-error")).to_be_hidden()
    page.screenshot(path="/tmp/window-pickup.png")
    dialog.locator("#pk-close").click()
    expect(dialog.locator("#pk-state")).to_have_text("已办结归档", timeout=TIMEOUT)
    expect(dialog.locator("#pk-deliver")).to_be_disabled()

    _, closed = live_server.call("GET", f"/api/v1/cases/{ready_no}", token=clerk)
    assert closed["state"] == "closed"
    assert [h["trigger"] for h in closed["history"]][-2:] == ["deliver", "close"]
    assert closed["deficiencies"][0]["received_at"] is not None

    # Found by the applicant's full ID number: decided, not yet at the window.
    page.fill("#pk-q", other_id)
    page.press("#pk-q", "Enter")
    expect(dialog.locator("#pk-case-no")).to_have_text(approved_no, timeout=TIMEOUT)
    expect(dialog.locator("#pk-state")).to_have_text("准予许可")
    expect(dialog.locator("#pk-deliver")).to_be_disabled()
    dialog.locator("#pk-notify").click()
    expect(dialog.locator("#pk-state")).to_have_text("待领取", timeout=TIMEOUT)
    _, ready = live_server.call("GET", f"/api/v1/cases/{approved_no}", token=clerk)
    assert ready["state"] == "ready_for_pickup"


def decided_by_approver(live_server, tokens, delivery, applicant_id):
    """Open a 同城办 case for SCJG-001, accept it at the window and approve it; return its number."""
    case = live_server.open_case(
        tokens["clerk1"],
        service="SCJG-001",
        mode="citywide",
        applicant={"name": "赵六", "id_number": applicant_id, "phone": "13600136000"},
        delivery=delivery,
    )
    fire(live_server, case["case_no"], "accept", tokens["clerk1"])
    fire(live_server, case["case_no"], "claim", tokens["approver_scjg"])
    fire(live_server, case["case_no"], "approve", tokens["approver_scjg"], note="符合条件，准予登记")
    return case["case_no"]


def open_in_pickup(page, case_no):
    """Find a case in the 取件 panel by its number."""
    page.fill("#pk-q", case_no)
    page.press("#pk-q", "Enter")
    expect(page.locator("#pk-case-no")).to_have_text(case_no, timeout=TIMEOUT)


def pickup_panel(page, live_server, windows, case_no, live=True):
    """Sign clerk4 in at the 统一出件 window (15), open the 取件 panel, find a case; return the panel."""
    sign_in(page, live_server, "clerk4", windows[15], live=live)
    page.keyboard.press("F11")
    dialog = page.locator("#pickup-dialog")
    open_in_pickup(page, case_no)
    return dialog


def test_pickup_panel_mails_the_result(page, live_server, tokens, windows):
    """Does 邮寄 take the waybill number with the address of the application, show the API's reasons when
    it refuses, and mail a case whose applicant chose pickup once the clerk gives the address?"""
    address = "广东省中山市西区富华道38号"
    by_mail = decided_by_approver(
        live_server, tokens, {"method": "mail", "address": address}, id_number("44200019880606003")
    )
    by_pickup = decided_by_approver(
        live_server, tokens, {"method": "pickup", "hall": "xiqu"}, id_number("44200019870707004")
    )

    dialog = pickup_panel(page, live_server, windows, by_mail)
    expect(dialog.locator("#pk-state")).to_have_text("准予许可")
    mail = dialog.locator("#pk-mail")
    expect(mail).to_be_enabled()
    expect(mail).to_have_class(re.compile("c-btn-primary"))  # the applicant chose mail
    expect(dialog.locator("#pk-deliver")).to_be_disabled()
    expect(dialog.locator("#pk-mail-form")).to_be_hidden()

    mail.click()
    expect(dialog.locator("#pk-mail-form")).to_be_visible()
    expect(dialog.locator("#pk-address")).to_have_value(address)
    page.fill("#pk-waybill", "no")  # the API refuses it: its reasons are shown
    dialog.locator("#pk-mail-confirm").click()
    waybill_error = dialog.locator('[data-error-for="data.waybill_no"]')
    expect(waybill_error).to_be_visible(timeout=TIMEOUT)
    expect(waybill_error).not_to_be_empty()
    expect(dialog.locator("#pk-error")).to_contain_text("请求参数有误")
    expect(dialog.locator("#pk-state")).to_have_text("准予许可")

    page.fill("#pk-waybill", "SF1234567890")
    dialog.locator("#pk-mail-confirm").click()
    expect(dialog.locator("#pk-state")).to_have_text("邮寄中", timeout=TIMEOUT)
    expect(dialog.locator("#pk-mail-form")).to_be_hidden()
    expect(dialog.locator("#pk-error")).to_be_hidden()
    expect(dialog.locator("#pk-delivery")).to_contain_text("SF1234567890")
    expect(dialog.locator("#pk-deliver")).to_be_enabled()  # signed for: 送达
    page.screenshot(path="/tmp/window-pickup-mail.png")

    _, mailed = live_server.call("GET", f"/api/v1/cases/{by_mail}", token=tokens["clerk1"])
    assert mailed["state"] == "mailing" and mailed["waybill_no"] == "SF1234567890"
    assert mailed["delivery"]["address"] == address
    assert (mailed["history"][-1]["trigger"], mailed["history"][-1]["actor"]) == ("mail", "clerk4")

    # The applicant chose pickup and now asks for mail: no address on record, so the API asks for one.
    open_in_pickup(page, by_pickup)
    expect(mail).not_to_have_class(re.compile("c-btn-primary"))
    expect(dialog.locator("#pk-notify")).to_be_enabled()
    mail.click()
    expect(dialog.locator("#pk-address")).to_have_value("")
    page.fill("#pk-waybill", "EMS9876543210")
    dialog.locator("#pk-mail-confirm").click()
    expect(dialog.locator('[data-error-for="data.address"]')).to_contain_text("邮寄地址", timeout=TIMEOUT)
    page.fill("#pk-address", "广东省中山市石岐区孙文中路1号")
    page.press("#pk-address", "Enter")
    expect(dialog.locator("#pk-state")).to_have_text("邮寄中", timeout=TIMEOUT)

    _, switched = live_server.call("GET", f"/api/v1/cases/{by_pickup}", token=tokens["clerk1"])
    assert switched["state"] == "mailing" and switched["waybill_no"] == "EMS9876543210"
    assert switched["delivery"]["method"] == "mail"
    assert switched["delivery"]["address"] == "广东省中山市石岐区孙文中路1号"


def test_pickup_panel_sends_a_bundle_part_to_its_bundle(page, live_server, tokens, windows):
    """Is a decided part of a 主题式 bundle shown with the way to its bundle instead of hand-over buttons,
    and is the bundle, once every part is decided, mailed from the panel with all its parts?"""
    bundle = live_server.open_case(
        tokens["clerk1"],
        service="YJS-002",
        mode="bundle",
        applicant={"name": "孙七", "id_number": id_number("44200019950909005"), "phone": "13500135000"},
        delivery={"method": "mail", "address": "广东省中山市西区富华道38号"},
    )
    parent_no = bundle["case_no"]
    fire(live_server, parent_no, "accept", tokens["clerk1"])
    # 生育登记 is done on the spot; the other parts, each in turn once the one it waits for is approved.
    for child in bundle["children"][1:]:
        approver = live_server.token(f"approver_{child['department']}")
        fire(live_server, child["case_no"], "claim", approver)
        fire(live_server, child["case_no"], "approve", approver, note="符合条件")
    part_no = bundle["children"][1]["case_no"]

    dialog = pickup_panel(page, live_server, windows, part_no)
    expect(dialog.locator("#pk-state")).to_have_text("准予许可")
    expect(dialog.locator("#pk-part")).to_have_text(re.compile(f"属于主题式服务 {parent_no}，请办理主件"))
    for button in ("#pk-notify", "#pk-mail", "#pk-deliver", "#pk-close"):
        expect(dialog.locator(button)).to_be_hidden()
    page.screenshot(path="/tmp/window-pickup-part.png")

    dialog.locator("#pk-open-parent").click()
    expect(dialog.locator("#pk-case-no")).to_have_text(parent_no, timeout=TIMEOUT)
    expect(dialog.locator("#pk-part")).to_be_hidden()
    dialog.locator("#pk-mail").click()
    page.fill("#pk-waybill", "EMS1234567890")
    dialog.locator("#pk-mail-confirm").click()
    expect(dialog.locator("#pk-state")).to_have_text("邮寄中", timeout=TIMEOUT)

    _, parent = live_server.call("GET", f"/api/v1/cases/{parent_no}", token=tokens["clerk1"])
    assert parent["state"] == "mailing"
    assert [child["state"] for child in parent["children"]] == ["delivered", "mailing", "mailing", "mailing"]
