"""Events and SMS go out after the answer (issue #18.4): the request does not wait for the Socket.IO
fan-out, one process sends its batches in the order their requests finished, and only what was
committed goes out (a savepoint's rollback keeps the outer transaction's events)."""

import threading

from flask.testing import FlaskClient

from queue_server import outbox
from queue_server.db import begin_write
from queue_server.extensions import db
from queue_server.queue.models import Queue
from queue_server.realtime import events

WAIT_S = 10  # an upper bound for a hang, never a measured time


def plain_client(app) -> FlaskClient:
    """A test client that returns with the answer (not waiting for the events, as SettledClient does)."""
    return FlaskClient(app, app.response_class, use_cookies=True)


def blocked_emit(monkeypatch):
    """Make every emit wait for a gate; return (gate, emitted: [(name, payload)], first emit reached)."""
    gate, reached, emitted = threading.Event(), threading.Event(), []

    def emit(name, payload, to=None, **kwargs):
        reached.set()
        gate.wait(WAIT_S)
        emitted.append((name, payload))

    monkeypatch.setattr("queue_server.realtime.events.socketio.emit", emit)
    return gate, emitted, reached


def test_the_answer_does_not_wait_for_the_fan_out(app, monkeypatch):
    """While the fan-out of a ticket's events is stuck, has the kiosk already got its ticket?"""
    gate, emitted, reached = blocked_emit(monkeypatch)
    answers = []
    request = threading.Thread(
        target=lambda: answers.append(
            plain_client(app).post("/api/v1/halls/xiqu/tickets", json={"queue": "shsd"})
        )
    )
    try:
        request.start()
        request.join(5)
        assert not request.is_alive() and answers[0].status_code == 201, (
            "the answer waited for the Socket.IO fan-out"
        )
        assert reached.wait(WAIT_S) and emitted == []  # the fan-out runs, and is still stuck
    finally:
        gate.set()
        request.join(WAIT_S)
    assert events.flush(WAIT_S)
    assert [payload["queue"] for name, payload in emitted if name == "queue_updated"] == ["shsd"]


def test_batches_go_out_in_the_order_their_requests_finished(app, monkeypatch):
    """Three tickets of three queues issued while the sender is stuck: do their events go out in order?"""
    gate, emitted, reached = blocked_emit(monkeypatch)
    client = plain_client(app)
    try:
        for queue in ("shsd", "shsw", "jsgc"):
            assert client.post("/api/v1/halls/xiqu/tickets", json={"queue": queue}).status_code == 201
    finally:
        gate.set()
    assert events.flush(WAIT_S)
    updates = [payload for name, payload in emitted if name == "queue_updated"]
    assert [payload["queue"] for payload in updates] == ["shsd", "shsw", "jsgc"]
    assert [payload["seq"] for payload in updates] == sorted(payload["seq"] for payload in updates)


def test_a_savepoint_rollback_keeps_the_outer_events(app, monkeypatch):
    """Does rolling back a savepoint keep the events of the transaction that then commits (and a full
    rollback drop them)?"""
    sent = []
    monkeypatch.setattr(
        "queue_server.realtime.events.socketio.emit", lambda name, payload, to=None, **kw: sent.append(name)
    )
    with app.app_context():
        begin_write()
        queue = db.session.scalar(db.select(Queue).where(Queue.code == "shsd"))
        outbox.record("queue_changed", queue)
        savepoint = db.session.begin_nested()
        savepoint.rollback()
        db.session.commit()
        events.send_committed()
        assert sent == ["queue_updated"]

        begin_write()
        queue = db.session.scalar(db.select(Queue).where(Queue.code == "shsd"))
        outbox.record("queue_changed", queue)
        db.session.rollback()
        db.session.commit()
        events.send_committed()
        assert sent == ["queue_updated"]
