"""The rating box of the progress page on a phone (390×844): thumb-sized grades, and a bad grade asks why.

A 马上办 case is completed on the spot (delivered); its applicant opens the progress page on a phone,
sees five grade buttons that are not squeezed (each at least 44 px either way, wholly on screen, the
label on one line), and a 不满意 asks for a reason from the list and a comment before it can be sent.
"""

import re

from playwright.sync_api import expect

from tests.screens.helpers import PHONE, delivered_case

TIMEOUT = 8000
REASONS = ["办事指南不清", "等候时间长", "服务态度差", "多次跑动", "其他"]
GRADE_LABELS = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


GEOMETRY = """(box) => [...box.querySelectorAll('.wr-grade')].map((button) => {
  const r = button.getBoundingClientRect();
  const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
  let label = null;
  while (walker.nextNode()) if (walker.currentNode.textContent.trim()) label = walker.currentNode;
  const range = document.createRange();
  range.selectNodeContents(label);
  const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  return {x: r.left, right: r.right, width: r.width, height: r.height, lines: lines,
          clipped: button.scrollWidth > button.clientWidth + 1, text: label.textContent.trim()};
})"""


def test_grades_fit_a_phone_and_a_bad_grade_asks_for_reason_and_comment(phone_page, live_server):
    case_no = delivered_case(live_server)["case_no"]
    page = phone_page
    page.goto(f"{live_server.url}/progress/{case_no}")
    page.fill("#p-phone", PHONE)
    page.click("#p-submit")
    box = page.locator("#r-rate")
    expect(box).to_be_visible(timeout=TIMEOUT)
    box.scroll_into_view_if_needed()

    grades = box.evaluate(GEOMETRY)
    assert [grade["text"] for grade in grades] == GRADE_LABELS
    for grade in grades:
        assert grade["width"] >= 44 and grade["height"] >= 44, grade
        assert grade["x"] >= 0 and grade["right"] <= 390, grade
        assert grade["lines"] == 1 and not grade["clipped"], grade

    reasons = box.locator(".wr-reasons")
    send = box.locator(".wr-send")
    expect(reasons).to_be_hidden()
    box.locator('.wr-grade[data-grade="5"]').click()
    expect(reasons).to_be_hidden()
    expect(send).to_be_enabled()

    box.locator('.wr-grade[data-grade="2"]').click()
    expect(reasons).to_be_visible()
    expect(reasons.locator("label")).to_have_text(REASONS)
    for label in reasons.locator("label").all():
        size = label.bounding_box()
        assert size["height"] >= 44 and size["x"] >= 0 and size["x"] + size["width"] <= 390, size
    expect(send).to_be_disabled()
    reasons.get_by_label("等候时间长").check()
    expect(send).to_be_disabled()  # the comment is asked for too
    expect(box.locator(".wr-comment-label")).to_contain_text("必填")
    box.get_by_label("请具体说明遇到的问题（必填）").fill("排队一个多小时")
    expect(send).to_be_enabled()
    page.screenshot(path="/tmp/rating-phone.png", full_page=True)

    with page.expect_response(re.compile(r"/api/v1/ratings$")) as answer:
        send.click()
    assert answer.value.status == 201
    sent = answer.value.request.post_data_json
    # The phone the case was looked up with proves who rates; the chosen reason is sent as well.
    assert (sent["case_no"], sent["grade"], sent["phone"], sent["reason"]) == (
        case_no,
        2,
        PHONE,
        "等候时间长",
    )
    assert sent["comment"] == "【等候时间长】排队一个多小时"
    assert answer.value.json()["comment"] == "【等候时间长】排队一个多小时"
    expect(box).to_have_text("感谢您的评价，我们会认真整改。")
