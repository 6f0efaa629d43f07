"""The supervisor screen in the default install (no Redis): alerts and ratings show at once.

The server runs the scheduler's timers itself (every second here). CASE_YELLOW_WORKDAYS=30 makes a case
accepted today yellow at once, so its alert needs no clock but the real one. Both the alert and a bad
rating must show well before the screen's one-minute refresh.
"""

import pytest
from playwright.sync_api import expect

from tests.live import LiveServer, prepare_database
from tests.screens.helpers import accepted_case
from tests.screens.test_supervisor import sign_in

TIMEOUT = 8000  # ms: far below the screen's 60 s refresh


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = "sqlite:///" + str(tmp_path_factory.mktemp("supervisor-local") / "live.sqlite3")
    prepare_database(url)
    live = LiveServer(
        url,
        extra_env={
            "CASE_YELLOW_WORKDAYS": "30",
            "NOTIFIER": "none",
            "SCHEDULER_IN_SERVER": "auto",
            "SCHEDULER_INTERVAL_S": "1",
        },
    ).start()
    yield live
    live.stop()


def finished_ticket(server, clerk: str) -> dict:
    window_id = server.window_id(2, clerk)
    assert server.call("POST", f"/api/v1/windows/{window_id}/status", {"status": "open"}, clerk)[0] == 200
    status, ticket = server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})
    assert status == 201, ticket
    assert server.call("POST", f"/api/v1/windows/{window_id}/call-next", None, clerk)[1]["id"] == ticket["id"]
    assert server.call("POST", f"/api/v1/tickets/{ticket['id']}/start", None, clerk)[0] == 200
    assert server.call("POST", f"/api/v1/tickets/{ticket['id']}/finish", None, clerk)[0] == 200
    return ticket


def test_an_alert_and_a_bad_rating_show_at_once_without_redis(page, server):
    """Do the in-server timers' alert and a new bad rating reach the open supervisor screen at once?"""
    sign_in(page, server)
    clerk = server.token("clerk1")

    case_no = accepted_case(server, clerk)["case_no"]
    expect(page.locator("#sv-toast")).to_contain_text(case_no, timeout=TIMEOUT)
    expect(page.locator("#sv-toast-light")).to_have_text("黄灯预警")

    ticket = finished_ticket(server, clerk)
    proof = {"token": ticket["rating_token"]} if ticket.get("rating_token") else {}
    status, rating = server.call(
        "POST", "/api/v1/ratings", {"ticket_id": ticket["id"], "grade": 1, "comment": "窗口无人应答", **proof}
    )
    assert status == 201, rating
    expect(page.locator("#sv-toast-light")).to_have_text("差评", timeout=TIMEOUT)
    expect(page.locator("#sv-toast-text")).to_contain_text("窗口无人应答")
    expect(page.locator("#sv-bad")).to_contain_text("窗口无人应答", timeout=TIMEOUT)
