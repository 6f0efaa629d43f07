"""Realtime events: the one place through which anything goes out to Socket.IO subscribers (and SMS).

Operations record facts in the outbox (``queue_server/outbox.py``) while they work: what happened and
the rows it happened to (``("ticket_called", ticket, call_id)``), never a payload. Once the request's
transaction has committed, ``send_after_response`` (which the app runs after each request) takes the
committed facts, builds each event's payload here from those rows with the domains' answer models
(the board's snapshot shows the same call the event announces) and hands the events and the SMS to
this process's send queue, drained in order by one background task at a time, so the answer never
waits for the fan-out and one process sends its batches in the order their requests finished. The
scheduler sends its own with ``send_committed``. A rolled-back transaction's facts never get here.

The rows are the ones the operation held (ORM rows, or the plain rows the hot paths read with one
statement), so building a payload costs no query; only the waiting counts of ``queue_updated`` are
counted after the commit. Numbering (``seq``) is in ``queue_server/realtime/seq.py``.
"""

import logging
import threading
from collections import deque

from flask import current_app
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from queue_server import outbox
from queue_server.db import DatabaseBusy
from queue_server.extensions import db, socketio
from queue_server.notify.sms import deliver
from queue_server.queue.answers import CallOut, ReadyOut, WindowOut
from queue_server.queue.board import Call, ReadyCase
from queue_server.queue.tallies import waiting_counts_after_commit
from queue_server.realtime.seq import next_seq
from queue_server.redis_client import redis_paused
from queue_server.supervision.answers import AlertOut, RatingOut

log = logging.getLogger(__name__)

NUMBERED_EVENTS = ("ticket_called", "queue_updated")
# Notices about cases name case numbers and approvers: they go to the hall's staff screens only.
STAFF_EVENTS = ("case_updated", "case_alert", "rating_added")
# Questions of citizens (在线咨询): to the consultants' screens, whatever their hall.
CONSULTANT_EVENTS = ("consultation_updated",)
CONSULTANT_ROOM = "consultants"


# 代理办 notices (numbers and states of the hall's agent cases): to the screens of the hall's agents.
AGENT_EVENTS = ("agent_case_updated",)


def agent_room(hall_code: str) -> str:
    """Name the Socket.IO room of a hall's agent screens (代理办 notices are for them)."""
    return f"agents:{hall_code}"


def staff_room(hall_code: str) -> str:
    """Name the Socket.IO room of a hall's signed-in staff screens (case notices are for them only)."""
    return f"staff:{hall_code}"


def hall_room(hall_code: str) -> str:
    """Name the Socket.IO room of a hall's subscribers."""
    return f"hall:{hall_code}"


# --- from facts to events: (event name, hall code, payload) ---


def _ticket_called(ticket, call_id: int) -> list[tuple]:
    call = CallOut.model_validate(Call(call_id, ticket, ticket.window)).model_dump(mode="json")
    return [("ticket_called", ticket.hall.code, {"hall": ticket.hall.code, **call})]


def _queue_changed(queue) -> list[tuple]:
    # The waiting count is added when the event is sent (counted after the commit, shared by a batch).
    return [("queue_updated", queue.hall.code, {"queue_id": queue.id, "queue": queue.code})]


def _ticket_changed(ticket) -> list[tuple]:
    payload = {
        "hall": ticket.hall.code,
        "id": ticket.id,
        "number": ticket.number,
        "queue": ticket.queue.code,
        "state": ticket.state,
        "window_number": ticket.window.number if ticket.window else None,
    }
    return [("ticket_updated", ticket.hall.code, payload)]


def _window_changed(window) -> list[tuple]:
    window_out = WindowOut.model_validate(window).model_dump(mode="json")
    return [("window_updated", window.hall.code, {"hall": window.hall.code, "window": window_out})]


def _case_notice(case) -> dict:
    return {
        "hall": case.hall.code,
        "case_no": case.case_no,
        "state": case.state,
        "department": case.department.code,
    }


def _case_changed(case) -> list[tuple]:
    # The case's hall and its pickup hall both show it.
    payload = _case_notice(case)
    notices = [
        ("case_updated", hall_code, payload)
        for hall_code in dict.fromkeys([case.hall.code, case.delivery_hall.code])
    ]
    if case.mode == "agent":  # the hall's agents see their requests and cases move
        notices.append(("agent_case_updated", case.hall.code, payload))
    return notices


def _transfer_changed(slip) -> list[tuple]:
    # 案卷流转: the halls at both ends of a slip see it sent and received (待签收 at the receiving one).
    payload = _case_notice(slip.case)
    return [
        ("case_updated", hall_code, payload)
        for hall_code in dict.fromkeys([slip.from_hall.code, slip.to_hall.code])
        if hall_code not in (slip.case.hall.code, slip.case.delivery_hall.code)  # case_changed tells those
    ]


def _alert_raised(alert) -> list[tuple]:
    return [("case_alert", alert.case.hall.code, AlertOut.model_validate(alert).model_dump(mode="json"))]


def _pickup_changed(case) -> list[tuple]:
    # 办结公示: a result came to (or left) its pickup window; the board adds (or drops) its masked row.
    if case.parent_id is not None:  # a bundle's part is handed over with its parent
        return []
    hall_code = case.delivery_hall.code
    ready = ReadyOut.model_validate(ReadyCase(case)).model_dump(mode="json")
    return [
        ("ready_updated", hall_code, {"hall": hall_code, "ready": case.state == "ready_for_pickup", **ready})
    ]


def _consultation_changed(row) -> list[tuple]:
    # The consultants' queue screen re-reads its list; no name, phone or text goes out here.
    state = "open" if row.answered_at is None else "answered"
    return [("consultation_updated", "", {"id": row.id, "service": row.service.code, "state": state})]


def _rating_added(rating) -> list[tuple]:
    # The supervisors' screen shows it at once (a bad one opened a rectification), as POST /ratings answered.
    return [("rating_added", rating.hall.code, RatingOut.model_validate(rating).model_dump(mode="json"))]


EVENTS_OF_FACT = {
    "ticket_called": _ticket_called,  # a call or recall: numbered
    "queue_changed": _queue_changed,  # a line grew or shrank: numbered, with its waiting count
    "ticket_changed": _ticket_changed,  # notices (no seq) from here on
    "window_changed": _window_changed,
    "case_changed": _case_changed,
    "transfer_changed": _transfer_changed,
    "alert_raised": _alert_raised,
    "rating_added": _rating_added,
    "pickup_changed": _pickup_changed,
    "consultation_changed": _consultation_changed,
}


def _events_and_messages(facts: list[tuple]) -> tuple[list[tuple], list]:
    events, messages, seen = [], [], set()
    for fact, *rows in facts:
        if fact == "sms":
            messages.extend(rows)
            continue
        # The payload is built from the row as committed: the same fact twice (a case fired accept
        # and then dispatch) would only send the same event twice.
        key = (fact, *(row if isinstance(row, int | str) else id(row) for row in rows))
        if key not in seen:
            seen.add(key)
            events.extend(EVENTS_OF_FACT[fact](*rows))
    return events, messages


def send_committed() -> None:
    """Send the events and SMS of committed changes now, then close the session (no lock is held
    meanwhile)."""
    events, messages = _events_and_messages(outbox.take_committed())
    _send(events)
    deliver(messages)


# --- after the answer: one outbox per process, drained in order by one background task at a time ---

_outbox: deque = deque()
_outbox_idle = threading.Condition()
_draining = False


def send_after_response() -> None:
    """Hand the events and SMS of this request's committed changes to the process's outbox; return at once."""
    facts = outbox.take_committed()
    if not facts:
        return
    events, messages = _events_and_messages(facts)
    global _draining
    with _outbox_idle:
        _outbox.append((current_app._get_current_object(), events, messages))
        if _draining:
            return  # the running task takes it next, after the batches before it
        _draining = True
    try:
        socketio.start_background_task(_drain)
    except Exception:  # no task could be started: send here rather than never
        log.exception("could not start the event sender; sending in the request")
        _drain()


def _drain() -> None:
    global _draining
    while True:
        with _outbox_idle:
            if not _outbox:
                _draining = False
                _outbox_idle.notify_all()
                return
            app, events, messages = _outbox.popleft()
        try:
            with app.app_context():
                _send(events)
                deliver(messages)
        except Exception:  # one batch's failure must not stop the ones after it
            log.exception("could not send a batch of events")


def flush(timeout: float | None = None) -> bool:
    """Wait until the outbox is empty and sent; False if it is not after timeout seconds."""
    with _outbox_idle:
        return _outbox_idle.wait_for(lambda: not _outbox and not _draining, timeout)


def _send(committed: list | None) -> None:
    if not committed:
        return
    # Counted after the commit, so the figure is current.
    queue_ids = {payload["queue_id"] for name, _, payload in committed if name == "queue_updated"}
    try:
        counts = waiting_counts_after_commit(queue_ids) if queue_ids else {}
    except (DBAPIError, SQLAlchemyTimeoutError, DatabaseBusy) as exc:  # the calls still go out; counts later
        log.warning(
            "waiting counts not sent: database unavailable (%s)", type(getattr(exc, "orig", exc)).__name__
        )
        committed = [event for event in committed if event[0] != "queue_updated"]
    try:
        db.session.close()
    except DBAPIError:
        pass  # a connection that died after the commit: the pool renews it

    seen_queues: set[int] = set()
    for name, hall_code, payload in committed:
        if name == "queue_updated":
            if payload["queue_id"] in seen_queues:
                continue
            seen_queues.add(payload["queue_id"])
            payload = {
                "hall": hall_code,
                "queue": payload["queue"],
                "waiting": counts.get(payload["queue_id"], 0),
            }
        emit(name, hall_code, payload)


def emit(name: str, hall_code: str, payload: dict) -> None:
    """Send an event to the hall's subscribers, stamped with the hall's next seq if it is numbered.

    The message queue delivers to this process's subscribers first and then publishes; with Redis
    down the seq comes from this process (see the module's docstring) and the publish is skipped.
    """
    try:
        if name in NUMBERED_EVENTS:
            payload = {**payload, "seq": next_seq(hall_code)}
        local_only = {"ignore_queue": True} if current_app.config.get("REDIS_URL") and redis_paused() else {}
        if name in CONSULTANT_EVENTS:
            room = CONSULTANT_ROOM
        else:
            room = staff_room(hall_code) if name in STAFF_EVENTS else hall_room(hall_code)
        if name in AGENT_EVENTS:
            room = agent_room(hall_code)
        socketio.emit(name, payload, to=room, **local_only)
    except Exception:  # a broken message queue must not break the call that was already committed
        log.exception("could not emit %s for hall %s", name, hall_code)
