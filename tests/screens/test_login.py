"""Staff sign-in in the browser, and the index of screens."""


def test_index_lists_the_screens(page, live_server):
    """Does the start page link every screen of the demo hall?"""
    page.goto(live_server.url + "/")
    assert "中山市西区行政服务中心" in page.inner_text("main")
    hrefs = page.eval_on_selector_all(".screen-links a", "links => links.map(a => a.getAttribute('href'))")
    assert {"/board/xiqu", "/kiosk/xiqu", "/windows/xiqu"} <= set(hrefs)


def test_sign_in_then_reach_the_clerk_screens(page, live_server):
    """Does a wrong password show a message, and the right one lead to the page asked for?"""
    page.goto(live_server.url + "/windows/xiqu")
    assert "/login" in page.url
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text(".form-error")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/windows/xiqu")
