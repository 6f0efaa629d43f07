"""The clerk screen's safe retries and the tickets a window holds (issue 13, item 3; client side)."""

import json

import pytest
from playwright.sync_api import expect

from tests.screens.helpers import idempotency_keys
from tests.screens.test_window_client import (
    TIMEOUT,
    at_window_one,
    clear_current,
    drain,
    open_window,
    sign_in,
    take,
)


@pytest.fixture(scope="module")
def tokens(live_server):
    return {name: live_server.token(name) for name in ("clerk1", "clerk3")}


@pytest.fixture(scope="module")
def windows(live_server, tokens):
    return {number: live_server.window_id(number, tokens["clerk1"]) for number in (1, 3, 5, 7)}


def test_call_next_retried_after_a_network_error_with_the_same_key(page, live_server, tokens, windows):
    """A call-next that never got through: is it re-sent with the same key, and the ticket shown once?"""
    at_window_one(page, live_server, tokens, windows)
    ticket = take(live_server, "shsd")

    sent = idempotency_keys(page, "/call-next")
    page.route("**/api/v1/windows/*/call-next", lambda route: route.abort("connectionreset"), times=1)
    expect(page.locator("#btn-call")).to_be_enabled(timeout=TIMEOUT)
    page.click("#btn-call")

    expect(page.locator("#c-number")).to_have_text(ticket["number"], timeout=TIMEOUT)
    expect(page.locator("#c-state")).to_have_text("已叫号")
    expect(page.locator("#w-banner")).to_be_hidden()
    assert len(sent) == 2, sent
    assert sent[0] and sent[0] == sent[1], sent
    expect(page.locator("#w-calls li", has_text=ticket["number"])).to_have_count(1, timeout=TIMEOUT)
    _, desk = live_server.call("GET", f"/api/v1/windows/{windows[1]}/desk", token=tokens["clerk1"])
    assert desk["current"]["id"] == ticket["id"]
    _, history = live_server.call("GET", f"/api/v1/tickets/{ticket['id']}/history", token=tokens["clerk1"])
    assert [entry["trigger"] for entry in history].count("call") == 1
    clear_current(live_server, tokens["clerk1"], windows[1])


def _held_ticket(ticket, state):
    return {**ticket, "state": state, "window_number": 1, "called_at": ticket["issued_at"]}


def test_every_held_ticket_is_shown_and_a_conflict_names_one(page, live_server, tokens, windows):
    """With two tickets held, does the desk list both, and does call-next's 409 show the ticket it names?"""
    drain(live_server, tokens, windows, "shsd")
    clear_current(live_server, tokens["clerk1"], windows[1])
    first, second = take(live_server, "shsd"), take(live_server, "shsd")
    held = [_held_ticket(first, "serving"), _held_ticket(second, "called")]
    shown = {"current": held[0], "held": held}

    def desk(route):
        answer = route.fetch()
        route.fulfill(response=answer, body=json.dumps({**answer.json(), **shown}))

    def refused(route):
        route.fulfill(
            status=409,
            content_type="application/json",
            body=json.dumps(
                {
                    "error": {
                        "code": "conflict",
                        "message": "本窗口还有未办结的号票",
                        "details": {"window": windows[1], "ticket": held[1]["id"], "held": [held[1]]},
                    }
                }
            ),
        )

    page.route("**/api/v1/windows/*/desk", desk)
    sign_in(page, live_server, "clerk1", windows[1])
    open_window(page)
    expect(page.locator("#c-number")).to_have_text(first["number"], timeout=TIMEOUT)
    tickets = page.locator("#w-held-list .w-held-ticket")
    expect(tickets).to_have_count(2, timeout=TIMEOUT)
    expect(tickets.nth(1)).to_contain_text(second["number"])
    expect(tickets.nth(1)).to_contain_text("已叫号")
    tickets.nth(1).click()  # act on the other held ticket
    expect(page.locator("#c-number")).to_have_text(second["number"])
    expect(page.locator("#btn-no-show")).to_be_enabled()

    # A desk that does not list it, and the server refuses call-next: the message and that ticket,
    # not a generic error.
    shown.update(current=None, held=[])
    page.reload()
    expect(page.locator("#w-status-text")).to_have_text("开放中", timeout=TIMEOUT)
    expect(page.locator("#c-number")).to_have_text("等待叫号", timeout=TIMEOUT)
    expect(page.locator("#w-held")).to_be_hidden()
    page.route("**/api/v1/windows/*/call-next", refused)
    expect(page.locator("#btn-call")).to_be_enabled(timeout=TIMEOUT)
    page.click("#btn-call")
    expect(page.locator("#w-banner")).to_contain_text("本窗口还有未办结的号票", timeout=TIMEOUT)
    expect(page.locator("#w-banner")).to_contain_text(second["number"] + "（已叫号）")
    expect(page.locator("#c-number")).to_have_text(second["number"])
    expect(page.locator("#btn-no-show")).to_be_enabled()


def test_a_lost_call_next_answer_calls_one_citizen(page, live_server, tokens, windows):
    """The server called a ticket but its answer was lost: does the retry show it and call no other?"""
    at_window_one(page, live_server, tokens, windows)
    first, second = take(live_server, "shsd"), take(live_server, "shsd")

    def lose_the_answer(route):
        route.fetch()  # the server does the call …
        route.abort("connectionreset")  # … and the screen never hears of it

    sent = idempotency_keys(page, "/call-next")
    page.route("**/api/v1/windows/*/call-next", lose_the_answer, times=1)
    expect(page.locator("#btn-call")).to_be_enabled(timeout=TIMEOUT)
    page.click("#btn-call")
    expect(page.locator("#c-number")).to_have_text(first["number"], timeout=TIMEOUT)
    assert len(sent) == 2 and sent[0] and sent[0] == sent[1], sent  # the same action, sent again
    expect(page.locator("#w-banner")).to_be_hidden()  # the retried answer, not an error
    _, waiting = live_server.call("GET", f"/api/v1/tickets/{second['id']}")
    assert waiting["state"] == "waiting"  # the retry answered the first call again, it called no one else
    _, desk = live_server.call("GET", f"/api/v1/windows/{windows[1]}/desk", token=tokens["clerk1"])
    assert [ticket["id"] for ticket in desk.get("held", [desk["current"]])] == [first["id"]]
    clear_current(live_server, tokens["clerk1"], windows[1])
    drain(live_server, tokens, windows, "shsd")


def test_call_next_refused_while_the_window_holds_a_ticket(page, live_server, tokens, windows):
    """Called elsewhere while this screen's live link is down: does 叫号 name the held ticket and show it?"""
    page.route_web_socket("**/socket.io/**", lambda ws: None)
    page.route("**/socket.io/**", lambda route: route.abort())
    at_window_one(page, live_server, tokens, windows, live=False)
    ticket = take(live_server, "shsd")
    take(live_server, "shsd")
    status, called = live_server.call(
        "POST", f"/api/v1/windows/{windows[1]}/call-next", token=tokens["clerk1"]
    )
    assert status == 200 and called["id"] == ticket["id"], called
    expect(page.locator("#btn-call")).to_be_enabled()  # this screen does not know yet
    page.click("#btn-call")
    banner = page.locator("#w-banner")
    expect(banner).to_be_visible(timeout=TIMEOUT)
    expect(banner).to_contain_text(ticket["number"] + "（已叫号）")
    expect(page.locator("#c-number")).to_have_text(ticket["number"], timeout=TIMEOUT)
    expect(page.locator("#btn-no-show")).to_be_enabled()
    clear_current(live_server, tokens["clerk1"], windows[1])
    drain(live_server, tokens, windows, "shsd")
