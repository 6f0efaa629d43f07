"""The portal's red header never covers the first card, on a hall PC (1920×1080) and on a phone (390×844).

Measured by bounding boxes: the header's bottom edge is at or above the first visible card's top edge,
and the point just inside the card's top edge is painted by the card itself (not by the header).
"""

import pytest

from tests.screens.helpers import PORTAL_PAGES

SIZES = [(1920, 1080), (390, 844)]
PAGES = [*PORTAL_PAGES, "/progress/XQ-DEMO-0001", "/book/xiqu"]

# The first card under the header, once the page's script has filled it in.
FIRST_CARD = """() => {
  const header = document.querySelector('header');
  const cards = [...document.querySelectorAll('.p-card, .b-card')]
    .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().height > 0);
  const card = cards.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0];
  const h = header.getBoundingClientRect();
  const c = card.getBoundingClientRect();
  const x = c.left + c.width / 2;
  const y = c.top + 4;
  const hit = document.elementFromPoint(x, y);
  return {headerBottom: h.bottom, cardTop: c.top, cardClass: card.className,
          paintedByCard: card.contains(hit), hit: hit ? hit.tagName + '.' + hit.className : null};
}"""


@pytest.mark.parametrize("width,height", SIZES, ids=["desktop", "phone"])
def test_header_does_not_cover_first_card(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    try:
        for path in PAGES:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            box = page.evaluate(FIRST_CARD)
            assert box["headerBottom"] <= box["cardTop"] + 0.5, (path, box)
            assert box["paintedByCard"], (path, box)
    finally:
        context.close()
