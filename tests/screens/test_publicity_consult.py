"""办结公示 on the board (live) and the portal's 公示 page; 在线咨询: ask → answer → FAQ, in Chromium."""

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import ID_NUMBER, PHONE, new_tab, sign_in
from tests.screens.test_board import open_board

OPINION = "材料齐全，符合法定条件，准予许可。"
WAIT_MS = 10000


@pytest.fixture(scope="module")
def clerk(live_server):
    return live_server.token("clerk1")


def fire(server, token: str, case_no: str, trigger: str, **body) -> dict:
    status, case = server.call(
        "POST", f"/api/v1/cases/{case_no}/transitions", {"trigger": trigger, **body}, token
    )
    assert status == 200, (trigger, case)
    return case


def approved_case(server, clerk: str, name: str) -> str:
    """A 同城办 case of `name` to be collected at xiqu, approved; return its number."""
    applicant = {"name": name, "id_number": ID_NUMBER, "phone": PHONE}
    body = {"service": "SCJG-001", "hall": "xiqu", "mode": "citywide", "applicant": applicant}
    status, case = server.call("POST", "/api/v1/cases", {**body, "delivery": {"method": "pickup"}}, clerk)
    assert status == 201, case
    approver = server.token("approver_scjg")
    fire(server, clerk, case["case_no"], "accept")
    fire(server, approver, case["case_no"], "claim")
    fire(server, approver, case["case_no"], "approve", note=OPINION)
    return case["case_no"]


def ready_rows(page) -> list[list[str]]:
    return page.evaluate(
        """() => [...document.querySelectorAll('#ready-list .ready-row')].map(row =>
            [row.dataset.caseNo, row.querySelector('.ready-applicant').textContent])"""
    )


def test_board_shows_results_waiting_for_pickup_live(page, live_server, clerk):
    first = approved_case(live_server, clerk, "张三")
    fire(live_server, clerk, first, "notify_pickup")
    open_board(page, live_server)
    assert ready_rows(page) == [[first, "张*"]]  # from the snapshot
    expect(page.locator("#ready-empty")).to_be_hidden()
    _, item = live_server.call("GET", "/api/v1/services/SCJG-001")
    expect(page.locator(f"#ready-list [data-case-no='{first}'] .ready-service")).to_have_text(item["name"])

    second = approved_case(live_server, clerk, "欧阳小娜")
    fire(live_server, clerk, second, "notify_pickup")
    page.wait_for_function(
        "(no) => wubanBoard.ready.length === 2 && wubanBoard.ready[0].case_no === no",
        arg=second,
        timeout=WAIT_MS,
    )
    assert ready_rows(page) == [[second, "欧**娜"], [first, "张*"]]
    assert page.locator("#ready-list").inner_text().count("准予") == 0  # no opinion, only item names
    self_collect = {"collector": {"kind": "self", "id_number": ID_NUMBER, "id_checked": True}}
    fire(live_server, clerk, first, "deliver", data=self_collect)
    page.wait_for_function("() => wubanBoard.ready.length === 1", timeout=WAIT_MS)
    assert ready_rows(page) == [[second, "欧**娜"]]
    box = page.locator(".ready").bounding_box()
    assert box["y"] + box["height"] <= 1080, "the strip fits the 1920×1080 board"

    # The portal's 公示 page of today lists the decided cases of the item, masked, and the figures.
    page.goto(f"{live_server.url}/portal/publicity/xiqu")
    item = page.locator(".pub-item[data-service='SCJG-001']")
    expect(item).to_be_visible(timeout=WAIT_MS)
    decided = item.locator(".pub-decided .pub-case")
    expect(decided).to_have_count(2)
    expect(item).to_contain_text("欧**娜")
    expect(item).not_to_contain_text("欧阳小娜")
    expect(page.locator("#pub-figures")).to_contain_text("按时办结率")
    expect(page.locator("#pub-modes")).to_contain_text("马上办")


def test_ask_answer_and_faq(browser, page, live_server):
    with new_tab(browser, {"viewport": {"width": 390, "height": 844}, "is_mobile": True}) as phone:
        before = live_server.call(
            "GET", "/api/v1/consultations/figures", token=live_server.token("consult1")
        )[1]
        phone.goto(f"{live_server.url}/portal/services/SCJG-008")  # an item the demo's FAQ leaves out
        expect(phone.locator("#ask-box")).to_be_visible(timeout=WAIT_MS)
        expect(phone.locator("#faq-box")).to_be_hidden()
        phone.fill("#ask-name", "李四")
        phone.fill("#ask-question", "健康证明可以后补吗？")
        phone.click("#ask-submit")
        expect(phone.locator("#ask-phone-error")).to_be_visible()
        phone.fill("#ask-phone", PHONE)
        phone.click("#ask-submit")
        expect(phone.locator("#ask-done")).to_contain_text("咨询已提交")

        sign_in(page, live_server, "/consult/", "consult1")
        question = page.locator(".c-row", has_text="健康证明可以后补吗？")
        expect(question).to_be_visible(timeout=WAIT_MS)
        expect(question).to_contain_text("李*")
        page.wait_for_function("() => wubanConsult.online", timeout=WAIT_MS)

        # A new question reaches the open screen live.
        phone.fill("#ask-name", "王五")
        phone.fill("#ask-phone", PHONE)
        phone.fill("#ask-question", "可以邮寄许可证吗？")
        phone.click("#ask-submit")
        expect(page.locator(".c-row", has_text="可以邮寄许可证吗？")).to_be_visible(timeout=WAIT_MS)

        question.locator(".c-reply").fill("可以，受理时列明容缺材料，办结前补交即可。")
        question.locator(".c-public").check()
        question.locator(".c-send").click()
        expect(page.locator(".c-row", has_text="健康证明可以后补吗？")).to_have_count(0, timeout=WAIT_MS)
        expect(page.locator("#f-answered")).to_have_text(str(before["answered"] + 1))

        phone.reload()
        expect(phone.locator("#faq-box")).to_be_visible(timeout=WAIT_MS)
        expect(phone.locator("#faq-list")).to_contain_text("健康证明可以后补吗？")
        expect(phone.locator("#faq-list")).to_contain_text("办结前补交即可")
        expect(phone.locator("#faq-list")).not_to_contain_text("可以邮寄许可证吗？")
        expect(phone.locator("#faq-list")).not_to_contain_text("李")

    # The supervisor screen shows the month's figures of the questions.
    with new_tab(browser) as supervisor:
        sign_in(supervisor, live_server, "/supervisor/", "supervisor1")
        counts = (
            f"咨询 {before['questions'] + 2} · 已答复 {before['answered'] + 1} · 待答复 {before['open'] + 1}"
        )
        expect(supervisor.locator("#sv-consult")).to_contain_text(counts, timeout=WAIT_MS)
