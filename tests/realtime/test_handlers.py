"""Socket.IO subscriptions (CONTRACT.md, Realtime) through Flask-SocketIO's test client, on SQLite and
PostgreSQL.

A hall subscriber gets the board snapshot as the ack, then ticket_called and queue_updated with one seq
per hall growing by one across both; a window subscriber (staff only) also gets "window"; a refused
subscribe is acked with the contract's error body and changes nothing else.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from queue_server.extensions import socketio
from tests.conftest import web_login

ROOT = Path(__file__).resolve().parents[2]

TICKET_CALLED_FIELDS = {
    "hall",
    "seq",
    "number",
    "queue",
    "window_number",
    "window_name",
    "called_at",
    "announce",
}
QUEUE_UPDATED_FIELDS = {"hall", "seq", "queue", "waiting"}


def test_every_app_gets_the_socketio_handlers(tmp_path):
    """Does every app a process builds answer subscribe (not only the first)? Run in a fresh process."""
    script = (
        "from queue_server import create_app\n"
        "from queue_server.extensions import socketio\n"
        "from tests.conftest import TEST_CONFIG\n"
        f"config = {{**TEST_CONFIG, 'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.sqlite3'}}\n"
        "for n in (1, 2):\n"
        "    create_app(config)\n"
        "    print(n, sorted(socketio.server.handlers.get('/', {})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    handlers = "['*', 'connect', 'subscribe', 'subscribe_consultations']"
    assert lines == [f"1 {handlers}", f"2 {handlers}"], (
        "the second app's Socket.IO server has no handlers: queue_server/__init__.py imports realtime "
        f"after socketio.init_app ({lines})"
    )


@pytest.fixture
def connect(app, client):
    """Open Socket.IO test connections (optionally with a bearer token); all are closed after the test."""
    opened = []

    def open_connection(token: str | None = None, flask_client=None):
        auth = {"token": token} if token is not None else None
        connection = socketio.test_client(app, auth=auth, flask_test_client=flask_client or client)
        assert connection.is_connected()
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        if connection.is_connected():
            connection.disconnect()


NUMBERED = (
    "ticket_called",
    "queue_updated",
)  # the contract's events; the notices (ticket_updated, …) carry no seq


def events(connection, name: str | None = None, every: bool = False) -> list[dict]:
    """Take the events received since the last look: [{"name", "payload"}] of the contract's two events
    (or of one name; or every event with every=True), in arrival order."""
    received = [{"name": item["name"], "payload": item["args"][0]} for item in connection.get_received()]
    if every:
        return received
    return [item for item in received if (item["name"] == name if name else item["name"] in NUMBERED)]


def assert_error_ack(ack, code: str) -> dict:
    """Check an ack is the contract's error body with this code; return its details."""
    assert isinstance(ack, dict) and set(ack) == {"error"}, ack
    assert ack["error"]["code"] == code, ack
    assert ack["error"]["message"]
    assert isinstance(ack["error"]["details"], dict)
    return ack["error"]["details"]


def issue_and_call(api) -> tuple[dict, dict]:
    """Issue one 商事登记 ticket and call it at window 1; return (ticket, call-next answer)."""
    ticket = api.take("shsd")
    window = api.open_window(1)
    answer = api.post(f"/windows/{window}/call-next", as_user="clerk1")
    assert answer.status_code == 200, answer.get_json()
    return ticket, answer.get_json()


def test_hall_subscribe_acks_the_board_snapshot(connect, api):
    """Does {"hall": "xiqu"} answer the board snapshot (hall, seq, calls, queues), the same as GET /board?"""
    ack = connect().emit("subscribe", {"hall": "xiqu"}, callback=True)
    assert {"hall", "seq", "calls", "queues"} <= set(ack)
    assert ack["hall"] == "xiqu" and isinstance(ack["seq"], int) and ack["calls"] == []
    assert {queue["code"] for queue in ack["queues"]} >= {"shsd", "shsw"}
    assert all(queue["waiting"] == 0 for queue in ack["queues"])
    assert ack == api.get("/halls/xiqu/board").get_json()


def test_hall_subscriber_gets_events_with_seq_growing_by_one(connect, api):
    """After a ticket is issued, called and recalled, do the hall's subscribers get queue_updated and
    ticket_called in order, with the contract's fields and seq growing by one across both types?"""
    board = connect()
    start = board.emit("subscribe", {"hall": "xiqu"}, callback=True)["seq"]
    board.get_received()

    ticket, called = issue_and_call(api)
    assert api.post(f"/tickets/{ticket['id']}/recall", as_user="clerk1").status_code == 200

    got = events(board)
    assert [item["name"] for item in got] == [
        "queue_updated",
        "ticket_called",
        "queue_updated",
        "ticket_called",
    ]
    assert [item["payload"]["seq"] for item in got] == [start + 1, start + 2, start + 3, start + 4]
    issued, call, drained, recall = (item["payload"] for item in got)
    assert set(issued) >= QUEUE_UPDATED_FIELDS and set(drained) >= QUEUE_UPDATED_FIELDS
    assert (issued["hall"], issued["queue"], issued["waiting"]) == ("xiqu", "shsd", 1)
    assert (drained["queue"], drained["waiting"]) == ("shsd", 0)
    assert set(call) >= TICKET_CALLED_FIELDS
    assert call["hall"] == "xiqu" and call["number"] == ticket["number"] == called["number"] == "A001"
    assert call["queue"] == "shsd" and call["window_number"] == 1 and call["window_name"]
    assert call["announce"] == "请A001号到1号窗口办理" and call["called_at"] == called["called_at"]
    assert recall["number"] == "A001" and recall["announce"] == call["announce"]

    # A new subscriber's snapshot carries the last seq and the call.
    snapshot = connect().emit("subscribe", {"hall": "xiqu"}, callback=True)
    assert snapshot["seq"] == start + 4
    assert [row["number"] for row in snapshot["calls"]] == ["A001"]


def test_window_subscriber_with_token_gets_window_and_hall_events(connect, api):
    """Does a clerk's {"window": id} (bearer token in auth) get the snapshot plus "window", then hall
    events?"""
    window = api.window_id(1)
    screen = connect(api.token("clerk1"))
    ack = screen.emit("subscribe", {"window": window}, callback=True)
    assert {"hall", "seq", "calls", "queues", "window"} <= set(ack)
    assert ack["hall"] == "xiqu"
    assert (
        ack["window"]["id"] == window and ack["window"]["number"] == 1 and "shsd" in ack["window"]["queues"]
    )
    screen.get_received()

    issue_and_call(api)
    got = events(screen)
    assert [item["name"] for item in got] == ["queue_updated", "ticket_called", "queue_updated"]
    assert [item["payload"]["seq"] for item in got] == [ack["seq"] + 1, ack["seq"] + 2, ack["seq"] + 3]


def test_window_subscriber_with_session_cookie(connect, client, api):
    """Does a screen signed in through /login (session cookie, no token) get its window?"""
    answer = web_login(client, "clerk1")
    assert answer.status_code == 302
    window = api.window_id(1)
    ack = connect().emit("subscribe", {"window": window}, callback=True)
    assert ack["window"]["id"] == window


def test_hall_admin_and_approver_may_watch_a_window(connect, api):
    """The policy's "hall.staff": any signed-in staff user of the hall (admin, approver) may subscribe."""
    window = api.window_id(2)
    for username in ("admin", "approver_scjg"):
        ack = connect(api.token(username)).emit("subscribe", {"window": window}, callback=True)
        assert ack["window"]["number"] == 2, (username, ack)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "xiqu",
        ["xiqu"],
        {},
        {"hall": 5},
        {"hall": None},
        {"hall": "xiqu", "window": 1},
        {"window": "1"},
        {"window": True},
        {"window": 1.0},
        {"hall": "xiqu", "extra": 1},
    ],
    ids=[
        "none",
        "string",
        "list",
        "empty",
        "hall-int",
        "hall-null",
        "both",
        "window-str",
        "window-bool",
        "window-float",
        "extra-key",
    ],
)
def test_malformed_subscribe_is_invalid_request(connect, api, payload):
    """Is a malformed subscribe acked with 400 invalid_request naming the field?"""
    connection = connect(api.token("clerk1"))
    ack = (
        connection.emit("subscribe", payload, callback=True)
        if payload is not None
        else connection.emit("subscribe", callback=True)
    )
    details = assert_error_ack(ack, "invalid_request")
    assert details.get("fields"), ack


def test_unknown_hall_is_not_found(connect):
    """Is {"hall": "nowhere"} acked with not_found?"""
    assert_error_ack(connect().emit("subscribe", {"hall": "nowhere"}, callback=True), "not_found")


def test_unknown_window_is_not_found(connect, api):
    assert_error_ack(
        connect(api.token("clerk1")).emit("subscribe", {"window": 999999}, callback=True), "not_found"
    )


@pytest.mark.parametrize("token", [None, "not-a-real-token"], ids=["no-login", "forged-token"])
def test_window_without_staff_login_is_unauthorized(connect, api, token):
    """Is a window subscribe without a (valid) staff login acked with unauthorized?"""
    window = api.window_id(1)
    assert_error_ack(connect(token).emit("subscribe", {"window": window}, callback=True), "unauthorized")


def test_window_of_another_hall_is_forbidden(connect, api, other_hall):
    """Is a clerk of another hall refused a xiqu window with forbidden?"""
    window = api.window_id(1)
    stranger = connect(api.token("nanqu_clerk"))
    assert_error_ack(stranger.emit("subscribe", {"window": window}, callback=True), "forbidden")
    issue_and_call(api)
    assert events(stranger, every=True) == []


def test_unknown_event_is_acked_with_an_error(connect):
    """Does an event the server does not know get the error body as its ack (and no crash)?"""
    connection = connect()
    details = assert_error_ack(
        connection.emit("subscribe_all", {"hall": "xiqu"}, callback=True), "invalid_request"
    )
    assert "event" in details["fields"]
    assert connection.is_connected()
    assert connection.emit("subscribe", {"hall": "xiqu"}, callback=True)["hall"] == "xiqu"


def test_refused_subscribe_sends_nothing(connect, api):
    """Does a connection whose only subscribe was refused get no events?"""
    connection = connect()
    assert_error_ack(connection.emit("subscribe", {"hall": "nowhere"}, callback=True), "not_found")
    connection.get_received()
    issue_and_call(api)
    assert events(connection, every=True) == []


REFUSALS = [
    pytest.param("not_found", None, {"hall": "nowhere"}),
    pytest.param("not_found", "clerk1", {"window": 999999}),
    pytest.param("unauthorized", None, {"window": "WINDOW"}),
    pytest.param("forbidden", "nanqu_clerk", {"window": "WINDOW"}),
    pytest.param("invalid_request", None, {"hall": 5}),
    pytest.param("invalid_request", None, {"window": "1"}),
    pytest.param("invalid_request", None, "xiqu"),
]


@pytest.mark.parametrize(
    "code, username, payload",
    REFUSALS,
    ids=[
        "unknown-hall",
        "unknown-window",
        "no-login",
        "other-hall-clerk",
        "hall-int",
        "window-str",
        "string",
    ],
)
def test_refused_subscribe_keeps_the_existing_subscription(connect, api, other_hall, code, username, payload):
    """A refused subscribe changes nothing: does a board already subscribed to xiqu keep getting its
    events?"""
    connection = connect(api.token(username) if username else None)
    start = connection.emit("subscribe", {"hall": "xiqu"}, callback=True)["seq"]
    if isinstance(payload, dict) and payload.get("window") == "WINDOW":
        payload = {"window": api.window_id(1)}
    assert_error_ack(connection.emit("subscribe", payload, callback=True), code)
    connection.get_received()
    issue_and_call(api)
    got = events(connection)
    assert [item["name"] for item in got] == ["queue_updated", "ticket_called", "queue_updated"], (
        f"the refused subscribe {payload!r} ({code}) dropped the existing hall subscription"
    )
    assert got[1]["payload"]["seq"] == start + 2


def test_subscriber_of_another_hall_gets_nothing_of_xiqu(connect, api, other_hall):
    """Does a board of another hall get none of xiqu's events, while a xiqu board gets them?"""
    theirs, ours = connect(), connect()
    snapshot = theirs.emit("subscribe", {"hall": other_hall}, callback=True)
    assert snapshot["hall"] == "nanqu" and snapshot["calls"] == [] and snapshot["queues"] == []
    ours.emit("subscribe", {"hall": "xiqu"}, callback=True)
    theirs.get_received(), ours.get_received()
    issue_and_call(api)
    assert events(theirs, every=True) == []
    assert len(events(ours, "ticket_called")) == 1


def test_resubscribing_moves_a_board_to_the_new_hall(connect, api, other_hall):
    """Does a second (valid) subscribe replace the first, so the board leaves xiqu?"""
    connection = connect()
    connection.emit("subscribe", {"hall": "xiqu"}, callback=True)
    assert connection.emit("subscribe", {"hall": other_hall}, callback=True)["hall"] == "nanqu"
    connection.get_received()
    issue_and_call(api)
    assert events(connection, every=True) == []


def test_disconnected_subscriber_is_dropped(connect, api):
    """After a board disconnects, do events still reach the others (nothing breaks on the gone sid)?"""
    gone, staying = connect(), connect()
    gone.emit("subscribe", {"hall": "xiqu"}, callback=True)
    staying.emit("subscribe", {"hall": "xiqu"}, callback=True)
    gone.disconnect()
    staying.get_received()
    issue_and_call(api)
    assert len(events(staying, "ticket_called")) == 1


def test_server_failure_during_subscribe_is_acked_with_internal_error(connect, monkeypatch):
    """When the snapshot cannot be built (e.g. the database is unreachable), does the board still get
    an ack (the error body, code internal_error) rather than none?"""

    def broken(hall):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr("queue_server.realtime.handlers.board_snapshot", broken)
    connection = connect()
    try:
        ack = connection.emit("subscribe", {"hall": "xiqu"}, callback=True)
    except RuntimeError:
        ack = None  # the test client runs handlers inline: the exception reaches us instead of an ack
    assert_error_ack(ack, "internal_error")


def test_case_changes_reach_the_hall_staff_as_notices(connect, api):
    """Does each committed change of a case reach the hall's staff screens as case_updated (no seq), and not
    the boards?"""
    screen, board = connect(api.token("approver_scjg")), connect()
    for connection in (screen, board):
        connection.emit("subscribe", {"hall": "xiqu"}, callback=True)
        connection.get_received()
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    refused = api.post(f"/cases/{no}/transitions", json={"trigger": "close"}, as_user="clerk1")
    assert refused.status_code == 409  # nothing goes out for it

    got = events(screen, "case_updated")
    assert [item["payload"]["state"] for item in got] == ["submitted", "in_approval"]
    assert events(board, "case_updated") == []
    assert got[-1]["payload"] == {"hall": "xiqu", "case_no": no, "state": "in_approval", "department": "scjg"}


def test_a_file_sent_to_another_hall_reaches_its_staff_as_a_notice(connect, api):
    """Does a slip sending a 同城办 case's file to 东区 tell 东区's staff at once (待签收), and its receipt
    tell them again, while a hall off the slip hears nothing?"""
    from tests.cases.test_citywide import body

    east, other = connect(api.token("dongqu_clerk1")), connect(api.token("clerk1"))
    for connection, hall in ((east, "dongqu"), (other, "xiqu")):
        connection.emit("subscribe", {"hall": hall}, callback=True)
        connection.get_received()
    created = api.post("/cases", json=body(), as_user="caihong_clerk")
    assert created.status_code == 201, created.get_json()
    no = created.get_json()["case_no"]
    api.fire(no, "accept", as_user="caihong_clerk")
    assert events(east, "case_updated") == []  # not on its way to 东区 yet

    slip = api.post(f"/cases/{no}/transfers", json={"to": "dongqu"}, as_user="caihong_clerk").get_json()
    sent = events(east, "case_updated")
    assert [item["payload"]["case_no"] for item in sent] == [no]
    assert sent[0]["payload"] == {
        "hall": "caihong",
        "case_no": no,
        "state": "in_approval",
        "department": "dq_scjg",
    }
    assert api.post(f"/transfers/{slip['id']}/receive", as_user="dongqu_clerk1").status_code == 200
    assert [item["payload"]["case_no"] for item in events(east, "case_updated")] == [no]
    assert events(other, "case_updated") == []
