"""The board's big 正在呼叫 panel holds a call only while it is in effect, and its voice survives a reload.

The panel is cleared when the called ticket is finished, marked no-show or cancelled (live, from the
ticket_updated notices, and after a reload from the ticket's own state), and after the hold time
(?hold= seconds, default the page's data-call-hold-s, 120). The consent to sound is remembered: after
a reload the voice resumes by itself where the browser lets it, and a one-click banner asks otherwise.
"""

import pytest

from tests.screens import test_board as helpers
from tests.screens.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.screens.helpers import fake_speech
from tests.screens.test_board import HALL, WAIT_MS, call_next, issue, open_board, open_window

FAKE_SPEECH = fake_speech()


@pytest.fixture(scope="module")
def token(live_server):
    return live_server.token()


def panel(page) -> dict:
    return page.evaluate("""() => ({
        shown: !document.getElementById('current-body').hidden,
        empty: !document.getElementById('current-empty').hidden,
        number: document.getElementById('current').dataset.number,
        recent: [...document.querySelectorAll('#recent-list .recent-row')].map(r => r.dataset.number),
        cleared: wubanBoard.cleared.slice(),
    })""")


def wait_cleared(page, number: str, reason: str, timeout: int = WAIT_MS) -> None:
    page.wait_for_function(
        """([number, reason]) => document.getElementById('current-body').hidden
            && wubanBoard.cleared.some(c => c.number === number && c.reason === reason)""",
        arg=[number, reason],
        timeout=timeout,
    )


def fire(server, token: str, ticket: dict, *triggers: str) -> None:
    for trigger in triggers:
        status, answer = server.call("POST", f"/api/v1/tickets/{ticket['id']}/{trigger}", token=token)
        assert status == 200, (trigger, answer)


def test_panel_cleared_when_finished_no_show_or_cancelled(page, live_server, token):
    open_board(page, live_server)
    assert page.evaluate("wubanBoard.holdSeconds") == 120  # the page's default
    window_id = open_window(live_server, token, 1)

    issue(live_server)
    served = call_next(live_server, token, window_id)
    helpers.wait_current(page, served["number"])
    fire(live_server, token, served, "start")
    page.wait_for_timeout(500)
    assert panel(page)["shown"], "a ticket being served keeps its call on the panel"
    fire(live_server, token, served, "finish")
    wait_cleared(page, served["number"], "done")
    state = panel(page)
    assert state["empty"] and state["number"] == ""
    assert state["recent"][0] == served["number"], "the finished call stays in 最近叫号"

    issue(live_server)
    missed = call_next(live_server, token, window_id)
    helpers.wait_current(page, missed["number"])
    fire(live_server, token, missed, "no_show")
    wait_cleared(page, missed["number"], "no_show")

    # A reload asks the newest call's ticket for its state: cancelled meanwhile, it is not shown again.
    issue(live_server)
    gone = call_next(live_server, token, window_id)
    helpers.wait_current(page, gone["number"])
    fire(live_server, token, gone, "no_show", "requeue", "cancel")
    wait_cleared(page, gone["number"], "no_show")
    page.reload()
    helpers.wait_ready(page)
    wait_cleared(page, gone["number"], "cancelled")
    assert panel(page)["recent"][0] == gone["number"]

    issue(live_server)
    waiting = call_next(live_server, token, window_id)
    page.reload()
    helpers.wait_ready(page)
    helpers.wait_current(page, waiting["number"])
    page.wait_for_timeout(800)  # the state check answered: still called, so still shown
    assert panel(page)["shown"] and panel(page)["number"] == waiting["number"]
    fire(live_server, token, waiting, "no_show")


def test_panel_cleared_after_the_hold_time(page, live_server, token):
    page.goto(live_server.url + f"/board/{HALL}?hold=3")
    helpers.wait_ready(page)
    assert page.evaluate("wubanBoard.holdSeconds") == 3
    window_id = open_window(live_server, token, 2)
    issue(live_server)
    called = call_next(live_server, token, window_id)
    helpers.wait_current(page, called["number"])
    assert panel(page)["shown"]
    page.wait_for_timeout(1000)
    assert panel(page)["shown"], "held for the whole hold time"
    wait_cleared(page, called["number"], "timeout", timeout=5000)
    fire(live_server, token, called, "no_show")


def test_voice_consent_is_remembered_and_a_blocked_browser_gets_one_click(page, live_server):
    """Headless Chromium blocks sound without a gesture (its default autoplay policy)."""
    page.add_init_script(FAKE_SPEECH)
    open_board(page, live_server)
    assert page.is_visible("#voice-enable")
    assert page.is_hidden("#voice-resume")
    page.click("#voice-enable")
    assert page.evaluate("wubanBoard.voiceEnabled") is True
    assert page.evaluate(f"localStorage.getItem('wuban-board-voice:{HALL}')") == "on"

    page.reload()
    helpers.wait_ready(page)
    page.wait_for_function("() => wubanBoard.voiceBlocked === true", timeout=WAIT_MS)
    assert page.is_hidden("#voice-enable"), "consent was given: the small button is not asked again"
    assert page.is_visible("#voice-resume")
    assert "点击" in page.inner_text("#voice-resume")
    page.screenshot(path="/tmp/board-voice-resume.png")
    page.click("#voice-resume")
    assert page.is_hidden("#voice-resume")
    assert page.evaluate("wubanBoard.voiceEnabled") is True


def test_voice_resumes_after_reload_without_a_click_where_autoplay_is_allowed(browser, live_server, token):
    """A hall PC whose browser lets sound play (started with --autoplay-policy=no-user-gesture-required)."""
    allowed = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS + ["--autoplay-policy=no-user-gesture-required"],
    )
    try:
        page = allowed.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN").new_page()
        page.add_init_script(FAKE_SPEECH)
        open_board(page, live_server)
        page.click("#voice-enable")
        page.reload()
        helpers.wait_ready(page)
        page.wait_for_function("() => wubanBoard.voiceResumed === true", timeout=WAIT_MS)
        assert page.evaluate("wubanBoard.voiceEnabled") is True
        assert page.is_hidden("#voice-enable") and page.is_hidden("#voice-resume")

        window_id = open_window(live_server, token, 1)
        issue(live_server)
        called = call_next(live_server, token, window_id)
        page.wait_for_function(
            "n => window.speechSynthesis.spoken.some(t => t.includes(n))",
            arg=called["number"],
            timeout=WAIT_MS,
        )
        fire(live_server, token, called, "no_show")
    finally:
        allowed.close()
