"""The hall's display board (叫号大屏) in a real browser against a real server.

Ticket numbers depend on what earlier tests in this module issued on the shared live server, so
every number is read from the API's answers, never written down here.
"""

import json
import re
import urllib.error
import urllib.request

import pytest

HALL = "xiqu"
HALL_NAME = "中山市西区行政服务中心"
QUEUE = "shsd"  # 商事登记, served at windows 1 and 2
WAIT_MS = 8000


# ---------- API helpers ----------


def issue(server, queue: str = QUEUE) -> dict:
    status, ticket = server.call("POST", f"/api/v1/halls/{HALL}/tickets", {"queue": queue})
    assert status == 201, ticket
    return ticket


def open_window(server, token: str, number: int) -> int:
    window_id = server.window_id(number, token)
    status, body = server.call("POST", f"/api/v1/windows/{window_id}/status", {"status": "open"}, token)
    assert status == 200, body
    return window_id


def call_next(server, token: str, window_id: int) -> dict:
    """Call the window's next ticket, letting go first the one it still holds (a window holds one at a
    time)."""
    status, desk = server.call("GET", f"/api/v1/windows/{window_id}/desk", token=token)
    assert status == 200, desk
    for held in desk["held"]:
        trigger = "no_show" if held["state"] == "called" else "finish"
        assert server.call("POST", f"/api/v1/tickets/{held['id']}/{trigger}", token=token)[0] == 200
    status, ticket = server.call("POST", f"/api/v1/windows/{window_id}/call-next", token=token)
    assert status == 200, ticket
    assert ticket["state"] == "called"
    return ticket


def api_waiting(server, queue: str = QUEUE) -> int:
    status, queues = server.call("GET", f"/api/v1/halls/{HALL}/queues")
    assert status == 200
    return next(q["waiting"] for q in queues if q["code"] == queue)


def announce_text(number: str, window: int) -> str:
    return f"请{number}号到{window}号窗口办理"


# ---------- page helpers ----------


def open_board(page, server, layout: str | None = None) -> None:
    page.goto(server.url + f"/board/{HALL}" + (f"?layout={layout}" if layout else ""))
    wait_ready(page)


def wait_ready(page, timeout: int = WAIT_MS) -> None:
    """Connected, and the snapshot applied (live.js knows a seq)."""
    page.wait_for_function(
        # A function, not an expression: polling an expression evals it, which the page's CSP forbids.
        "() => document.body.dataset.online === 'true' && window.wubanBoard && wubanBoard.lastSeq !== null",
        timeout=timeout,
    )


def board_waiting(page, queue: str = QUEUE) -> int:
    return int(page.get_attribute(f"#queue-list [data-queue='{queue}'] .count", "data-waiting"))


def wait_waiting(page, expected: int, queue: str = QUEUE) -> None:
    page.wait_for_function(
        """([queue, expected]) => {
            const node = document.querySelector(`#queue-list [data-queue='${queue}'] .count`);
            return node && node.dataset.waiting === String(expected);
        }""",
        arg=[queue, expected],
        timeout=WAIT_MS,
    )


def wait_current(page, number: str) -> None:
    page.wait_for_function(
        "number => document.getElementById('current-number').textContent === number",
        arg=number,
        timeout=WAIT_MS,
    )


def wait_announced(page, count: int, timeout: int = 15000) -> None:
    page.wait_for_function("n => wubanBoard.spoken.length >= n", arg=count, timeout=timeout)


def board_state(page) -> dict:
    return page.evaluate(
        "() => ({announcements: wubanBoard.announcements.slice(), spoken: wubanBoard.spoken.slice(),"
        " log: wubanBoard.log.map(e => ({text: e.text, start: e.start, end: e.end, mode: e.mode,"
        " attempts: e.attempts})), lastSeq: wubanBoard.lastSeq})"
    )


def assert_never_overlapping(log: list) -> None:
    for earlier, later in zip(log, log[1:], strict=False):
        assert earlier["end"] is not None and later["start"] >= earlier["end"], log


@pytest.fixture(scope="module")
def token(live_server):
    return live_server.token()


# ---------- tests ----------


def test_board_shows_snapshot_then_a_call_live(page, live_server, token):
    """Does the board show the hall and its queues, then a clerk's call large, the count drop and the
    announcement?"""
    open_board(page, live_server)
    assert HALL_NAME in page.inner_text("#hall-name")
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", page.inner_text("#clock-time"))
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", page.inner_text("#clock-date"))
    assert re.fullmatch(r"星期[一二三四五六日]", page.inner_text("#clock-weekday"))
    _, queues = live_server.call("GET", f"/api/v1/halls/{HALL}/queues")
    shown = page.eval_on_selector_all(
        "#queue-list .queue",
        "items => items.map(li => [li.dataset.queue, li.querySelector('.queue-name').textContent,"
        " Number(li.querySelector('.count').dataset.waiting), li.querySelector('.queue-count').textContent])",
    )
    assert [(code, name, waiting) for code, name, waiting, _ in shown] == [
        (q["code"], q["name"], q["waiting"]) for q in queues
    ]
    assert all(re.fullmatch(r"等候\s*\d+\s*人", text.strip()) for *_, text in shown)
    assert page.get_attribute("body", "data-online") == "true"
    assert page.is_hidden("#offline-banner")

    window_id = open_window(live_server, token, 1)
    before = board_waiting(page)
    ticket = issue(live_server)
    wait_waiting(page, before + 1)
    called = call_next(live_server, token, window_id)
    assert called["id"] == ticket["id"]

    wait_current(page, called["number"])
    assert page.inner_text("#current-window") == "1号窗口"
    _, windows = live_server.call("GET", f"/api/v1/halls/{HALL}/windows", token=token)
    assert page.inner_text("#current-window-name") == next(w["name"] for w in windows if w["number"] == 1)
    size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('current-number')).fontSize)")
    assert size >= 150, "the newest number must be readable across the hall"
    wait_waiting(page, before)
    assert board_waiting(page) == api_waiting(live_server)

    page.wait_for_function(
        "text => wubanBoard.announcements.includes(text)",
        arg=announce_text(called["number"], 1),
        timeout=WAIT_MS,
    )
    wait_announced(page, 1)
    state = board_state(page)
    assert state["announcements"] == [announce_text(called["number"], 1)]
    assert state["log"][0]["attempts"], "speechSynthesis is attempted and its result logged"
    page.screenshot(path="/tmp/board-landscape.png")


def test_calls_are_announced_in_order_and_never_overlap(page, live_server, token):
    """Are two quick calls announced one after the other, in order, and a recall announced again?"""
    issue(live_server)  # a call made before the board opens: it is in the snapshot, never read out
    call_next(live_server, token, open_window(live_server, token, 1))
    open_board(page, live_server)
    assert page.evaluate("wubanBoard.calls.length") >= 1, "the snapshot holds the earlier call"
    assert page.evaluate("wubanBoard.announcements.length") == 0, "the snapshot's calls are not read out"

    first_window, second_window = open_window(live_server, token, 1), open_window(live_server, token, 2)
    issue(live_server)
    issue(live_server)
    first = call_next(live_server, token, first_window)
    second = call_next(live_server, token, second_window)
    expected = [announce_text(first["number"], 1), announce_text(second["number"], 2)]

    wait_current(page, second["number"])
    page.wait_for_function("() => wubanBoard.announcements.length >= 2", timeout=WAIT_MS)
    # While the first is read, the second waits its turn.
    state = board_state(page)
    assert state["announcements"] == expected
    assert len(state["spoken"]) < 2
    assert (
        page.eval_on_selector_all("#recent-list .recent-row", "rows => rows.map(r => r.dataset.number)")[0]
        == first["number"]
    )

    wait_announced(page, 2)
    status, recalled = live_server.call("POST", f"/api/v1/tickets/{first['id']}/recall", token=token)
    assert status == 200, recalled
    assert recalled["recalls"] == 1
    wait_current(page, first["number"])
    assert page.is_visible("#current-recall"), "a recall is marked on the board"
    wait_announced(page, 3)

    state = board_state(page)
    assert state["announcements"] == expected + [expected[0]]
    assert state["spoken"] == state["announcements"]
    assert_never_overlapping(state["log"])


def test_board_survives_a_server_restart(page, live_server, token):
    """Does the board show it is offline while the server is down, then reconnect, re-fetch and go on?"""
    open_board(page, live_server)
    calls_before = page.evaluate("wubanBoard.calls.map(c => c.number)")
    live_server.stop()
    try:
        page.wait_for_function("() => document.body.dataset.online === 'false'", timeout=WAIT_MS)
        assert page.is_visible("#offline-banner")
        assert "连接中断，正在重连" in page.inner_text("#offline-banner")
    finally:
        live_server.start()

    wait_ready(page, timeout=15000)
    assert page.is_hidden("#offline-banner")
    assert page.evaluate("wubanBoard.calls.map(c => c.number)") == calls_before
    assert page.evaluate("wubanBoard.announcements.length") == 0, "a re-fetched snapshot is not read out"

    window_id = open_window(live_server, token, 1)
    issue(live_server)
    called = call_next(live_server, token, window_id)
    wait_current(page, called["number"])
    wait_waiting(page, api_waiting(live_server))
    page.wait_for_function(
        "text => wubanBoard.announcements.includes(text)",
        arg=announce_text(called["number"], 1),
        timeout=WAIT_MS,
    )
    assert page.evaluate("wubanBoard.lastSeq") >= 1


# A speech engine with a Mandarin voice, standing in for the one headless Chromium lacks. It records
# every utterance and counts any started while another was still being spoken. Utterances for window 2
# never end, as a stuck engine's do: the board's timeout must step in.
FAKE_SPEECH = """
(() => {
  const record = [];
  let current = null, overlaps = 0;
  const voices = [{name: "Fake English", lang: "en-US"}, {name: "Fake Mandarin", lang: "zh-CN"}];
  class FakeUtterance {
    constructor(text) {
      Object.assign(this, {text, lang: "", voice: null, volume: 1, rate: 1, onend: null, onerror: null});
    }
  }
  const synth = {
    speaking: false, pending: false, paused: false,
    getVoices: () => voices,
    addEventListener() {}, removeEventListener() {}, resume() {},
    cancel() { if (current) current.cancelled = Date.now(); current = null; synth.speaking = false; },
    speak(u) {
      const entry = {text: u.text, lang: u.lang, voice: u.voice && u.voice.name, start: Date.now(),
                     silent: u.volume === 0};
      record.push(entry);
      if (entry.silent) return;
      if (current) overlaps += 1;
      current = entry; synth.speaking = true;
      if (u.text.includes("到2号窗口")) return;
      setTimeout(() => {
        entry.end = Date.now(); current = null; synth.speaking = false; u.onend && u.onend({});
      }, 300);
    },
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
  window.SpeechSynthesisUtterance = FakeUtterance;
  window.WUBAN_BOARD_TIMING = {speakTimeoutMs: 800, speakTimeoutPerCharMs: 0};
  window.fakeSpeech = {record, overlaps: () => overlaps};
})();
"""


def test_voice_reads_each_call_twice_and_a_stuck_engine_times_out(page, live_server, token):
    """With a zh voice: is each call read twice in Mandarin, one at a time, and does a reading that never
    ends give way?"""
    page.add_init_script(FAKE_SPEECH)
    open_board(page, live_server)
    assert page.is_visible("#voice-enable")
    assert "点击启用语音播报" in page.inner_text("#voice-enable")
    page.click("#voice-enable")
    assert page.is_hidden("#voice-enable")
    assert page.evaluate("wubanBoard.voiceEnabled") is True
    assert page.evaluate("wubanBoard.voice") == "Fake Mandarin (zh-CN)"

    first_window, second_window = open_window(live_server, token, 1), open_window(live_server, token, 2)
    for _ in range(3):
        issue(live_server)
    calls = [
        call_next(live_server, token, first_window),
        call_next(live_server, token, second_window),
        call_next(live_server, token, first_window),
    ]
    texts = [
        announce_text(calls[0]["number"], 1),
        announce_text(calls[1]["number"], 2),
        announce_text(calls[2]["number"], 1),
    ]
    wait_announced(page, 3)

    state = board_state(page)
    assert state["announcements"] == texts
    assert state["spoken"] == texts
    assert [entry["mode"] for entry in state["log"]] == ["voice", "chime", "voice"]
    assert [[a["result"] for a in entry["attempts"]] for entry in state["log"]] == [
        ["end", "end"],
        ["timeout"],
        ["end", "end"],
    ]
    assert_never_overlapping(state["log"])
    speech = page.evaluate(
        "({record: fakeSpeech.record.filter(e => !e.silent), overlaps: fakeSpeech.overlaps()})"
    )
    assert speech["overlaps"] == 0
    assert [e["text"] for e in speech["record"]] == [texts[0], texts[0], texts[1], texts[2], texts[2]]
    assert {(e["lang"], e["voice"]) for e in speech["record"]} == {("zh-CN", "Fake Mandarin")}


@pytest.mark.parametrize("layout, width, height", [("landscape", 1920, 1080), ("portrait", 1080, 1920)])
def test_layout_fits_the_screen(page, live_server, token, layout, width, height):
    """Does each layout show every element inside the screen, with nothing overflowing sideways?"""
    window_id = open_window(live_server, token, 1)
    issue(live_server)
    issue(live_server)
    call_next(live_server, token, window_id)  # an earlier call: the recent list has a row of its own
    called = call_next(live_server, token, window_id)
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, live_server, None if layout == "landscape" else layout)
    assert page.get_attribute("#board", "data-layout") == layout
    wait_current(page, called["number"])

    for selector in (
        "#hall-name",
        "#clock-time",
        "#clock-date",
        "#current-number",
        "#current-window",
        "#current-window-name",
        "#recent-list .recent-row",
        "#queue-list .queue",
    ):
        assert page.is_visible(selector), selector
    metrics = page.evaluate(
        """() => {
            const outside = [];
            document.querySelectorAll('#board *').forEach(node => {
                const box = node.getBoundingClientRect();
                if (box.width
                    && (box.right > innerWidth + 0.5 || box.bottom > innerHeight + 0.5 || box.left < -0.5))
                    outside.push(node.id || node.className);
            });
            const selector = '.queue-name, .recent-number, .recent-window, .current-number';
            const clipped = [...document.querySelectorAll(selector)]
                .filter(node => node.scrollWidth > node.clientWidth + 1).map(node => node.textContent);
            return {scrollWidth: document.documentElement.scrollWidth, innerWidth, outside, clipped,
                    queues: document.querySelectorAll('#queue-list .queue').length};
        }"""
    )
    assert metrics["scrollWidth"] <= metrics["innerWidth"]
    assert metrics["outside"] == []
    assert metrics["clipped"] == []
    assert metrics["queues"] == 7
    page.wait_for_timeout(300)
    page.screenshot(path=f"/tmp/board-{layout}.png")


def test_unknown_hall_is_404(live_server):
    """Does a board for a hall that does not exist answer 404?"""
    try:
        urllib.request.urlopen(live_server.url + "/board/nowhere", timeout=5)
    except urllib.error.HTTPError as error:
        assert error.code == 404
        body = error.read()
        if error.headers.get_content_type() == "application/json":
            assert json.loads(body)["error"]["code"] == "not_found"
    else:
        pytest.fail("/board/nowhere answered 2xx")
