"""关怀模式 (适老化) on the portal and the kiosk: one toggle gives larger type and stronger contrast; the
portal keeps it on the citizen's phone across pages, the kiosk speaks the ticket and forgets the mode
for the next citizen."""

import pytest
from playwright.sync_api import expect

from tests.screens.test_portal_layout import FIRST_CARD

TIMEOUT = 8000

FAKE_SPEECH = """
(() => {
  const synth = {
    speaking: false, pending: false, paused: false, spoken: [],
    getVoices: () => [{name: "Fake Mandarin", lang: "zh-CN"}],
    addEventListener() {}, cancel() {}, resume() {},
    speak(u) {
      synth.spoken.push({text: u.text, lang: u.lang});
      setTimeout(() => u.onend && u.onend({}), 20);
    },
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
})();
"""

# WCAG contrast ratio of an element's text colour on white.
CONTRAST = """(selector) => {
  const rgb = getComputedStyle(document.querySelector(selector)).color.match(/\\d+/g).slice(0, 3).map(Number);
  const lum = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
  const l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
  return 1.05 / (l + 0.05);
}"""

ROOT_SIZE = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"

# Does the toggle cover any text of the header (its title, its back link)?
COVERS_HEADER_TEXT = """() => {
  const button = document.getElementById('care-toggle').getBoundingClientRect();
  return [...document.querySelectorAll('header h1, header .o-back, header p')].some((node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return [...range.getClientRects()].some((r) => r.left < button.right && button.left < r.right
                                                  && r.top < button.bottom && button.top < r.bottom);
  });
}"""


def test_portal_care_mode_is_larger_stronger_and_kept(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/portal/")
        toggle = page.locator("#care-toggle")
        expect(toggle).to_have_attribute("aria-pressed", "false")
        assert toggle.bounding_box()["height"] >= 44
        before = page.evaluate(ROOT_SIZE)
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("document.documentElement.dataset.care") == "on"
        assert page.evaluate(ROOT_SIZE) >= before * 1.2
        assert page.evaluate(CONTRAST, ".o-tile span") >= 7  # secondary text: AAA, not just AA

        for path in ("/portal/services", "/progress/", "/book/xiqu"):
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.dataset.care") == "on", path
            expect(page.locator("#care-toggle")).to_have_attribute("aria-pressed", "true")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
            box = page.evaluate(FIRST_CARD)
            assert box["headerBottom"] <= box["cardTop"] + 0.5 and box["paintedByCard"], (path, box)
            assert not page.evaluate(COVERS_HEADER_TEXT), path
        page.screenshot(path="/tmp/care-portal.png")

        page.locator("#care-toggle").click()
        page.reload()
        assert page.evaluate("document.documentElement.dataset.care") is None
    finally:
        context.close()


@pytest.mark.parametrize("width,height", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_kiosk_care_mode_speaks_the_ticket_and_resets(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.add_init_script(FAKE_SPEECH)
    try:
        page.goto(f"{live_server.url}/kiosk/xiqu")
        expect(page.locator(".k-queue").first).to_be_visible(timeout=TIMEOUT)
        before = page.evaluate(ROOT_SIZE)
        page.click("#care-toggle")
        expect(page.locator("#care-toggle")).to_have_attribute("aria-pressed", "true")
        assert page.evaluate(ROOT_SIZE) >= before * 1.15
        for selector in ("#priority-open", "#rate-open", "#care-toggle"):
            box = page.locator(selector).bounding_box()
            assert box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, (selector, box)
        # Every queue stays on screen, none pushed below the fold of the scrolling list.
        hidden = page.evaluate("""() => {
          const main = document.getElementById('k-main').getBoundingClientRect();
          return [...document.querySelectorAll('.k-queue')]
            .filter((q) => q.getBoundingClientRect().bottom > main.bottom).map((q) => q.textContent);
        }""")
        assert hidden == []
        page.screenshot(path=f"/tmp/care-kiosk-{width}.png")

        page.locator(".k-queue").first.click()
        expect(page.locator("#ticket-view")).to_be_visible(timeout=TIMEOUT)
        number = page.inner_text("#t-number")
        spoken = page.evaluate("window.speechSynthesis.spoken")
        assert any(number in entry["text"] and entry["lang"] == "zh-CN" for entry in spoken), spoken

        page.click("#t-done")
        expect(page.locator("#ticket-view")).to_be_hidden()
        expect(page.locator("#care-toggle")).to_have_attribute("aria-pressed", "false")
        assert page.evaluate("document.documentElement.dataset.care") is None
        assert page.evaluate("localStorage.getItem('wuban-care')") is None  # a shared kiosk keeps nothing
    finally:
        context.close()
