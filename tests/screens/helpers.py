"""Steps the screen tests share: a server of their own, tabs of a device's size, signing in, a scene set."""

from contextlib import contextmanager

from playwright.sync_api import expect

from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, PICKUP, applicant
from tests.live import LiveServer, prepare_database

PHONE = APPLICANT_PHONE
ID_NUMBER = APPLICANT_ID
DESKTOP = {"viewport": {"width": 1920, "height": 1080}}
PHONE_SCREEN = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}
KIOSK_SCREEN = {"viewport": {"width": 1080, "height": 1920}, "has_touch": True}
# The citizen portal's pages (services, their guide and form, applications, 一件事, progress).
PORTAL_PAGES = [
    "/portal/",
    "/portal/services",
    "/portal/services/SCJG-001",
    "/portal/services/SCJG-001/apply",
    "/portal/applications/",
    "/portal/events/",
    "/portal/events/YJS-001",
    "/progress/",
]


@contextmanager
def own_live_server(tmp_path_factory, name: str, **extra_env: str):
    """Run a production-like server on a fresh SQLite file in a folder of its own, its uploads there too."""
    folder = tmp_path_factory.mktemp(name)
    url = "sqlite:///" + str(folder / "live.sqlite3")
    prepare_database(url)
    extra_env.setdefault("UPLOAD_DIR", str(folder / "uploads"))
    server = LiveServer(url, extra_env=extra_env).start()
    server.uploads = folder / "uploads"
    yield server
    server.stop()


@contextmanager
def new_tab(browser, device: dict = DESKTOP):
    """Open a zh-CN browser tab in a context of its own, of the device's size."""
    context = browser.new_context(locale="zh-CN", **device)
    yield context.new_page()
    context.close()


def open_kiosk(tab, live_server, timeout: int) -> None:
    """Open the demo hall's kiosk and wait for its seven queues and its footer's last buttons."""
    tab.goto(f"{live_server.url}/kiosk/xiqu")
    expect(tab.locator(".k-queue")).to_have_count(7, timeout=timeout)
    # 一件事 and 代办 appear once their lists are in and grow the footer: a tap before that may land
    # where a button was a moment ago.
    for button in ("#event-open", "#agent-open"):
        expect(tab.locator(button)).to_be_visible(timeout=timeout)


def sign_in(page, live_server, path: str, username: str, landing: str | None = None) -> None:
    """Sign in through the login form on the way to a screen, and wait until it is there (or, signing in
    at /login, until the page lands on `landing`)."""
    page.goto(f"{live_server.url}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(landing or f"**{path}")


def sign_in_at_home(page, live_server, username: str) -> None:
    """Sign in at /login and wait for the home page it leads to."""
    sign_in(page, live_server, "/login", username, landing=f"{live_server.url}/")


def accepted_case(live_server, token: str, name: str = "张三") -> dict:
    """Open a 一次办 food-business licence case (result by mail) at the window and accept it; return it."""
    case = live_server.open_case(token, applicant=applicant(name))
    accept = {"trigger": "accept"}
    status, case = live_server.call("POST", f"/api/v1/cases/{case['case_no']}/transitions", accept, token)
    assert status == 200, case
    return case


def open_window(live_server, number: int, clerk: str) -> tuple[str, int]:
    """Open window `number` as `clerk`; return the clerk's token and the window's id."""
    token = live_server.token(clerk)
    window_id = live_server.window_id(number, token)
    opened = {"status": "open"}
    status, answer = live_server.call("POST", f"/api/v1/windows/{window_id}/status", opened, token)
    assert status == 200, answer
    return token, window_id


def serve(live_server, token: str, window_id: int) -> dict:
    """Take a ticket, call it at the window, start and finish it; return it."""
    status, ticket = live_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})
    assert status == 201, ticket
    status, called = live_server.call("POST", f"/api/v1/windows/{window_id}/call-next", token=token)
    assert status == 200 and called["id"] == ticket["id"], called
    for trigger in ("start", "finish"):
        status, answer = live_server.call("POST", f"/api/v1/tickets/{ticket['id']}/{trigger}", token=token)
        assert status == 200, answer
    return ticket


def idempotency_keys(page, url_end: str) -> list:
    """Collect the Idempotency-Key of every POST the page sends to a URL ending in `url_end`."""
    sent = []

    def note(request) -> None:
        if request.method == "POST" and request.url.endswith(url_end):
            sent.append(request.headers.get("idempotency-key"))

    page.on("request", note)
    return sent


def fake_speech(end_after_ms: int = 50) -> str:
    """Script a Mandarin speech engine for the page (headless Chromium has none); it keeps what it says."""
    return """
(() => {
  const synth = {speaking: false, pending: false, paused: false, spoken: [],
    getVoices: () => [{name: "Fake Mandarin", lang: "zh-CN"}],
    addEventListener() {}, cancel() {}, resume() {},
    speak(u) { synth.spoken.push(u.text); setTimeout(() => u.onend && u.onend({}), END_MS); }};
  Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
})();
""".replace("END_MS", str(end_after_ms))


def delivered_case(live_server, phone: str = PHONE) -> dict:
    """A 马上办 case taken in by clerk1 and completed on the spot (delivered at once)."""
    token = live_server.token("clerk1")
    case = live_server.open_case(
        token, service="SCJG-004", mode="immediate", applicant=applicant(phone=phone), delivery=PICKUP
    )
    status, case = live_server.call(
        "POST", f"/api/v1/cases/{case['case_no']}/transitions", {"trigger": "complete_on_spot"}, token
    )
    assert status == 200 and case["state"] == "delivered", case
    return case
