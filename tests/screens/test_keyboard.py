"""Every control of the citizen screens is reached with the Tab key, in order, and shows where the focus is.

A visible focus here is a solid ring at least 2 px wide (base.css :focus-visible); a file input, drawn
as its 选择文件 label (dom.js filePicker), shows the ring on that label.
"""

import pytest

from tests.screens.helpers import delivered_case

CONTROLS = """() => [...document.querySelectorAll('a[href], button:not([disabled]), '
    + 'input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea')]
  .filter((e) => e.classList.contains('zh-file-input')
                 || (e.offsetParent !== null && !e.closest('[hidden], dialog')))
  .map((e) => e.id || e.textContent.trim().slice(0, 20) || e.name)"""

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const shown = e.classList.contains('zh-file-input') ? document.querySelector(`label[for="${e.id}"]`) : e;
  const style = getComputedStyle(shown);
  return {key: e.id || e.textContent.trim().slice(0, 20) || e.name,
          ring: style.outlineStyle === 'solid' && parseFloat(style.outlineWidth) >= 2};
}"""


def tab_through(page, limit: int = 80) -> list:
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if seen and focused["key"] == seen[0]["key"]:
            break
        seen.append(focused)
    return seen


@pytest.mark.parametrize(
    "path,width,height",
    [
        ("/portal/", 390, 844),
        ("/progress/", 390, 844),
        ("/portal/services/SCJG-001/apply", 390, 844),
        ("/book/xiqu", 390, 844),
        ("/kiosk/xiqu", 1080, 1920),
    ],
)
def test_every_control_is_reached_and_shows_its_focus(browser, live_server, path, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        controls = page.evaluate(CONTROLS)
        seen = tab_through(page)
        assert set(controls) <= {focused["key"] for focused in seen}, path
        assert [focused["key"] for focused in seen if not focused["ring"]] == [], path
    finally:
        context.close()


def test_the_rating_box_is_reached_by_keyboard(browser, live_server):
    case_no = delivered_case(live_server)["case_no"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/progress/{case_no}")
        page.fill("#p-phone", "13800138000")
        page.keyboard.press("Enter")
        page.wait_for_selector("#r-rate .wr-grade")
        page.focus("#r-rate .wr-grade >> nth=3")
        page.keyboard.press("Enter")  # 不满意, chosen from the keyboard
        page.wait_for_selector("#r-rate .wr-reasons:not([hidden])")
        seen = tab_through(page)
        assert [focused["key"] for focused in seen if not focused["ring"]] == []
    finally:
        context.close()
