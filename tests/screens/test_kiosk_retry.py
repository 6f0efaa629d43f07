"""The kiosk takes a ticket safely when the network loses the answer (Idempotency-Key, issue 13 item 3)."""

from playwright.sync_api import expect

from tests.screens.helpers import idempotency_keys
from tests.screens.test_kiosk import TICKETS, TIMEOUT


def test_a_lost_ticket_answer_issues_one_ticket(kiosk, live_server):
    """The server issued the ticket but its answer was lost: is it re-sent with its key, one ticket shown?"""
    sent, issued = idempotency_keys(kiosk, "/halls/xiqu/tickets"), []

    def lose_the_answer(route):
        issued.append(route.fetch().json())  # the server issues the ticket …
        route.abort("connectionreset")  # … and the kiosk never hears of it

    kiosk.route(TICKETS, lose_the_answer, times=1)
    _, before = live_server.call("GET", "/api/v1/halls/xiqu/queues")
    kiosk.locator('.k-queue[data-queue="rsyb"]').click()

    expect(kiosk.locator("#ticket-view")).to_be_visible(timeout=TIMEOUT)
    expect(kiosk.locator("#t-number")).to_have_text(issued[0]["number"])
    assert len(sent) == 2 and sent[0] and sent[0] == sent[1], sent
    _, after = live_server.call("GET", "/api/v1/halls/xiqu/queues")
    waiting_before = {queue["code"]: queue["waiting"] for queue in before}
    waiting = {queue["code"]: queue["waiting"] for queue in after}
    assert waiting["rsyb"] == waiting_before["rsyb"] + 1  # one ticket, not two
