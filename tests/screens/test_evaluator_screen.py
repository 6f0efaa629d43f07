"""The window evaluator on the small screens halls use (800×480 and 1280×800).

Its faces are drawn without any emoji font (no emoji code point anywhere in the page, each face an
inline drawing with a painted size and visible pixels), every target is large and on screen without
scrolling, and a bad grade offers the reasons of every rating screen.
"""

import io
import json
import re
import urllib.request

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.screens.test_rating_screens import open_window, serve

TIMEOUT = 8000
REASONS = ["办事指南不清", "等候时间长", "服务态度差", "多次跑动", "其他"]
SIZES = [(800, 480, 1), (1280, 800, 2)]

EMOJI = r"""() => {
  const pattern = /[\p{Extended_Pictographic}\u{FE0F}\u{200D}]/u;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    if (pattern.test(text)) texts.push(text);
  }
  document.querySelectorAll('*').forEach((node) => {
    [...node.attributes].forEach((a) => { if (pattern.test(a.value)) texts.push(a.name + '=' + a.value); });
    const generated = getComputedStyle(node, '::before').content + getComputedStyle(node, '::after').content;
    if (pattern.test(generated)) texts.push(generated);
  });
  return texts;
}"""

FACES = """() => [...document.querySelectorAll('.ev-grade')].map((button) => {
  const face = button.querySelector('.ev-face');
  const box = face.getBoundingClientRect();
  const painted = face.getBBox ? face.getBBox() : {width: 0, height: 0};
  const r = button.getBoundingClientRect();
  return {text: face.textContent.trim(), tag: face.tagName.toLowerCase(),
          width: box.width, height: box.height, paintedWidth: painted.width, paintedHeight: painted.height,
          button: {left: r.left, right: r.right, bottom: r.bottom, width: r.width, height: r.height}};
})"""


def inked_pixels(png: bytes) -> int:
    """Pixels that differ clearly from the face's own background (its top-left corner)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = image.load()
    background = pixels[0, 0]
    return sum(
        1
        for x in range(image.width)
        for y in range(image.height)
        if sum(abs(a - b) for a, b in zip(pixels[x, y], background, strict=True)) > 120
    )


@pytest.mark.parametrize("width,height,window", SIZES, ids=["800x480", "1280x800"])
def test_faces_without_emoji_and_large_targets(browser, live_server, width, height, window):
    token, window_id = open_window(live_server, window, f"clerk{window}")
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/evaluate/{window_id}")
        expect(page.locator("#ev-live")).to_have_text("● 评价器已连接", timeout=TIMEOUT)
        ticket = serve(live_server, token, window_id)
        expect(page.locator("#ev-ask")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#ev-number")).to_have_text(ticket["number"])

        assert page.evaluate(EMOJI) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        faces = page.evaluate(FACES)
        assert len(faces) == 5
        for face in faces:
            assert face["text"] == "" and face["tag"] == "svg", face  # drawn, not a character of a font
            assert face["width"] >= 40 and face["height"] >= 40, face
            assert face["paintedWidth"] >= 30 and face["paintedHeight"] >= 30, face
            button = face["button"]
            assert button["width"] >= 100 and button["height"] >= 100, face  # a large touch target
            assert button["left"] >= 0 and button["right"] <= width and button["bottom"] <= height, face
        for face in page.locator(".ev-face").all():
            assert inked_pixels(face.screenshot()) > 150
        page.screenshot(path=f"/tmp/evaluator-{width}x{height}.png")

        page.click('.ev-grade[data-grade="1"]')
        expect(page.locator("#ev-reasons")).to_be_visible()
        expect(page.locator(".ev-reason")).to_have_text(REASONS)
        for target in page.locator(".ev-reason, #ev-no-reason").all():
            box = target.bounding_box()
            assert box["height"] >= 48, box
            assert box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, box
        page.screenshot(path=f"/tmp/evaluator-reasons-{width}x{height}.png")
        with page.expect_response(re.compile(r"/api/v1/ratings$")) as answer:
            page.click(".ev-reason >> text=服务态度差")
        assert answer.value.status == 201
        assert answer.value.request.post_data_json["comment"] == "【服务态度差】"
        expect(page.locator("#ev-thanks-text")).to_have_text("感谢您的评价！")
    finally:
        context.close()


def test_the_clerk_at_the_window_is_shown_while_it_is_staffed(browser, live_server):
    """The evaluator shows who serves at its window (with a drawn placeholder photo), and follows the
    window closing and opening again (window_updated)."""
    token, window_id = open_window(live_server, 3, "clerk3")
    context = browser.new_context(viewport={"width": 800, "height": 480}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/evaluate/{window_id}")
        expect(page.locator("#ev-live")).to_have_text("● 评价器已连接", timeout=TIMEOUT)
        expect(page.locator("#ev-clerk")).to_have_text("梁思敏")
        expect(page.locator("#ev-employee-no")).to_have_text("工号 XQ-0103")  # the demo's 工号
        expect(page.locator("#ev-photo")).to_be_hidden()  # no photo uploaded: the drawn placeholder
        photo = page.locator("#ev-photo-none").bounding_box()
        assert photo["width"] >= 40 and photo["height"] >= 40, photo
        assert page.evaluate(EMOJI) == []

        path = f"/api/v1/windows/{window_id}/status"
        assert live_server.call("POST", path, {"status": "closed"}, token)[0] == 200
        expect(page.locator("#ev-staff")).to_be_hidden(timeout=TIMEOUT)
        expect(page.locator("#ev-idle-sub")).to_have_text("本窗口暂未开放")
        assert live_server.call("POST", path, {"status": "open"}, token)[0] == 200
        expect(page.locator("#ev-clerk")).to_have_text("梁思敏", timeout=TIMEOUT)
        expect(page.locator("#ev-staff")).to_be_visible()
        page.screenshot(path="/tmp/evaluator-staff.png")
    finally:
        context.close()


def upload_photo(live_server, username: str, content: bytes, token: str) -> dict:
    """Upload a staff photo through the administration API (multipart, as the console sends it)."""
    boundary = "----wuban-test-photo"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/admin/users/{username}/photo", data=body, method="POST"
    )
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        return json.loads(answer.read())


def test_the_clerk_is_shown_with_employee_number_and_photo(browser, live_server):
    """The evaluator shows the clerk's name, 工号 and the photo uploaded in the console; after the photo
    is removed, the drawn placeholder again."""
    admin = live_server.token("admin")
    status, user = live_server.call("PATCH", "/api/v1/admin/users/clerk4", {"employee_no": "XQ-0104"}, admin)
    assert status == 200 and user["employee_no"] == "XQ-0104", user
    picture = io.BytesIO()
    Image.new("RGB", (600, 800), (20, 60, 200)).save(picture, "PNG")
    assert upload_photo(live_server, "clerk4", picture.getvalue(), admin)["photo_at"]
    token, window_id = open_window(live_server, 4, "clerk4")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/evaluate/{window_id}")
        expect(page.locator("#ev-clerk")).to_have_text("李卓航")
        expect(page.locator("#ev-employee-no")).to_have_text("工号 XQ-0104")
        expect(page.locator("#ev-photo")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#ev-photo-none")).to_be_hidden()
        # 600×800 uploaded, kept within 480×600.
        assert page.evaluate("document.getElementById('ev-photo').naturalWidth") == 450
        box = page.locator("#ev-photo").bounding_box()
        assert box["height"] >= 60 and box["width"] >= 48, box
        shot = Image.open(io.BytesIO(page.locator("#ev-photo").screenshot())).convert("RGB")
        red, green, blue = shot.getpixel((shot.width // 2, shot.height // 2))
        assert blue > 150 and red < 80, (red, green, blue)  # the uploaded picture, not the grey placeholder
        page.screenshot(path="/tmp/evaluator-photo.png")

        # The photo removed in the console: the next window_updated shows the placeholder.
        assert live_server.call("DELETE", "/api/v1/admin/users/clerk4/photo", token=admin)[0] == 200
        path = f"/api/v1/windows/{window_id}/status"
        assert live_server.call("POST", path, {"status": "paused"}, token)[0] == 200
        expect(page.locator("#ev-photo-none")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#ev-photo")).to_be_hidden()
        expect(page.locator("#ev-employee-no")).to_have_text("工号 XQ-0104")
    finally:
        context.close()
