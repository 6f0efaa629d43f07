"""The window's triggers (recall, start, finish, no_show) in one statement: as the machine does, or not."""

from types import SimpleNamespace

import pytest

from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue.models import Ticket, TicketEvent
from queue_server.queue.serving import CALLBACK_SETS, WINDOW_TRIGGERS
from tests.conftest import assert_error
from workflows import ticket as ticket_flow

# What the window does first to bring a fresh ticket into each trigger's source state.
BEFORE = {"recall": ["call"], "start": ["call"], "finish": ["call", "start"], "no_show": ["call"]}
MARKED = ("state", "recalls", "called_at", "started_at", "finished_at", "window_id", "queue_id")


def _fire(api, ticket_id: int, window: int, trigger: str, as_user: str = "clerk1"):
    if trigger == "call":
        return api.post(f"/windows/{window}/call-next", as_user=as_user)
    return api.post(f"/tickets/{ticket_id}/{trigger}", as_user=as_user)


def _row(app, ticket_id: int) -> SimpleNamespace:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        return SimpleNamespace(**{name: getattr(ticket, name) for name in MARKED})


def test_every_window_trigger_has_its_statement():
    """Does each clerk trigger with a plain callback have a SET clause, and only those?"""
    assert set(WINDOW_TRIGGERS) == set(CALLBACK_SETS) == {"recall", "start", "finish", "no_show"}
    assert set(WINDOW_TRIGGERS) <= set(ticket_flow.CLERK_TRIGGERS)


@pytest.mark.parametrize("trigger", WINDOW_TRIGGERS)
def test_the_statement_does_what_the_machine_does(app, api, advance, trigger):
    """Does one statement leave the ticket as the machine's callback would, with its history row?"""
    ticket = api.take("shsd")
    window = api.open_window(1)
    for step in BEFORE[trigger]:
        assert _fire(api, ticket["id"], window, step).status_code == 200
    advance(2)
    before = _row(app, ticket["id"])
    expected = SimpleNamespace(**vars(before), window=SimpleNamespace(id=before.window_id))
    with app.app_context():
        at = clock.now()
    left = ticket_flow.fire(expected, trigger, at=at, window=expected.window)

    answer = _fire(api, ticket["id"], window, trigger)
    assert answer.status_code == 200, answer.get_json()
    after = _row(app, ticket["id"])
    assert vars(after) == {name: getattr(expected, name) for name in MARKED}
    body = answer.get_json()
    assert (body["state"], body["recalls"], body["window_number"], body["hall"]) == (
        after.state,
        after.recalls,
        1,
        "xiqu",
    )
    with app.app_context():
        change = db.session.scalars(
            db.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket["id"])
            .order_by(TicketEvent.id.desc())
        ).first()
        assert (change.trigger, change.from_state, change.to_state, change.window_id) == (
            trigger,
            left,
            after.state,
            window,
        )
        assert change.actor.username == "clerk1" and change.at == at


def test_a_trigger_in_the_wrong_state_or_on_no_ticket_changes_nothing(app, api):
    """Is a finish before the start a 409 with what is allowed, and an unknown ticket a 404?"""
    ticket = api.take("shsd")
    window = api.open_window(1)
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").status_code == 200
    before = _row(app, ticket["id"])
    details = assert_error(
        api.post(f"/tickets/{ticket['id']}/finish", as_user="clerk1"), 409, "invalid_transition"
    )
    assert set(details["allowed"]) == {"recall", "start", "no_show"}
    assert vars(_row(app, ticket["id"])) == vars(before)
    assert_error(api.post("/tickets/999999/finish", as_user="clerk1"), 404, "not_found")
    waiting = api.take("shsd")
    assert_error(api.post(f"/tickets/{waiting['id']}/start", as_user="clerk1"), 409, "invalid_transition")


def test_a_clerk_of_another_hall_is_refused_and_nothing_changes(app, api, other_hall):
    """Does another hall's clerk get 403 for a ticket it could otherwise start, the ticket untouched?"""
    ticket = api.take("shsd")
    window = api.open_window(1)
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").status_code == 200
    before = _row(app, ticket["id"])
    with app.app_context():
        changes = db.session.scalar(db.select(db.func.count(TicketEvent.id)))
    assert_error(api.post(f"/tickets/{ticket['id']}/start", as_user="nanqu_clerk"), 403, "forbidden")
    assert vars(_row(app, ticket["id"])) == vars(before)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(TicketEvent.id))) == changes


def test_a_recall_is_announced_and_a_finish_is_told(api, monkeypatch):
    """Does a recall reach the board as a new call, and every trigger the screens as a ticket update?"""
    sent = []
    monkeypatch.setattr(
        "queue_server.realtime.events.socketio.emit",
        lambda name, payload, to: sent.append((name, payload)),
    )
    ticket = api.take("shsd")
    window = api.open_window(1)
    called = api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()
    sent.clear()
    api.post(f"/tickets/{ticket['id']}/recall", as_user="clerk1")
    calls = [payload for name, payload in sent if name == "ticket_called"]
    assert len(calls) == 1 and calls[0]["number"] == called["number"] and calls[0]["window_number"] == 1
    assert "请" in calls[0]["announce"] and calls[0]["seq"] > 0
    for trigger in ("start", "finish"):
        api.post(f"/tickets/{ticket['id']}/{trigger}", as_user="clerk1")
    updates = [payload for name, payload in sent if name == "ticket_updated"]
    assert [u["state"] for u in updates] == ["called", "serving", "done"]
    assert all(u["id"] == ticket["id"] and u["window_number"] == 1 for u in updates)


def test_call_next_can_let_the_held_ticket_go_first(app, api):
    """Does 办结并叫号 finish the served ticket and call the next in one request, 过号并叫号 likewise?"""
    first, second, third = api.take("shsd"), api.take("shsd"), api.take("shsd")
    window = api.open_window(1)
    assert (
        api.post(f"/windows/{window}/call-next", json={"release": "finish"}, as_user="clerk1").status_code
        == 200
    )
    assert api.post(f"/tickets/{first['id']}/start", as_user="clerk1").status_code == 200
    answer = api.post(f"/windows/{window}/call-next", json={"release": "finish"}, as_user="clerk1")
    assert answer.status_code == 200 and answer.get_json()["id"] == second["id"]
    answer = api.post(f"/windows/{window}/call-next", json={"release": "no_show"}, as_user="clerk1")
    assert answer.status_code == 200 and answer.get_json()["id"] == third["id"]
    assert [_row(app, t["id"]).state for t in (first, second, third)] == ["done", "no_show", "called"]
    history = api.get(f"/tickets/{first['id']}/history", as_user="clerk1").get_json()
    assert [h["trigger"] for h in history] == ["issue", "call", "start", "finish"]
    answer = api.post(f"/windows/{window}/call-next", json={"release": "no_show"}, as_user="clerk1")
    assert answer.status_code == 204 and _row(app, third["id"]).state == "no_show"


def test_a_release_that_does_not_fit_changes_nothing(app, api):
    """Is 办结并叫号 on a ticket not yet served a 409, with neither the release nor a call done?"""
    first, second = api.take("shsd"), api.take("shsd")
    window = api.open_window(1)
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").status_code == 200
    answer = api.post(f"/windows/{window}/call-next", json={"release": "finish"}, as_user="clerk1")
    assert set(assert_error(answer, 409, "invalid_transition")["allowed"]) == {"recall", "start", "no_show"}
    assert (_row(app, first["id"]).state, _row(app, second["id"]).state) == ("called", "waiting")
    for bad in ({"release": "cancel"}, {"release": 1}, {"other": True}):
        answer = api.post(f"/windows/{window}/call-next", json=bad, as_user="clerk1")
        assert_error(answer, 400, "invalid_request")
    assert (_row(app, first["id"]).state, _row(app, second["id"]).state) == ("called", "waiting")
