"""Realtime events: the one module through which anything goes out to Socket.IO subscribers.

Operations call ``ticket_called``, ``queue_changed``, ``ticket_changed`` and ``window_changed``
while they work; the events wait in the session until it commits (a rollback drops them) and go
out in ``send_committed``, which the app runs after each request.

The contract's two events, ``ticket_called`` and ``queue_updated``, carry ``seq``: one counter per
hall across both, kept in Redis when REDIS_URL is set (so every worker and the scheduler share it)
and in this process otherwise. The notices ``ticket_updated`` and ``window_updated`` (for clerk
screens and ticket status pages) carry no seq, so a board that counts seq never sees a false gap.
"""

import itertools
import logging
import threading
import time
from collections import defaultdict

import redis

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from .extensions import db, socketio

log = logging.getLogger(__name__)

_PENDING = "wuban.pending_events"
_COMMITTED = "wuban.committed_events"

_local_seq: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))
_local_last: dict[str, int] = defaultdict(int)
_local_lock = threading.Lock()
_NEXT_SEQ_LUA = "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end return redis.call('INCR', KEYS[1])"


def staff_room(hall_code: str) -> str:
    """Name the Socket.IO room of a hall's signed-in staff screens (case notices are for them only)."""
    return f"staff:{hall_code}"


def hall_room(hall_code: str) -> str:
    """Name the Socket.IO room of a hall's subscribers."""
    return f"hall:{hall_code}"


def ticket_called(ticket, call_id: int) -> None:
    """Announce a call or recall of a ticket to its hall once the change is committed."""
    from .board import call_view  # board renders the same row in its snapshot

    payload = {"hall": ticket.hall.code, **call_view(ticket, ticket.window, call_id)}
    _pending(db.session).append(("ticket_called", ticket.hall.code, payload))


def queue_changed(queue) -> None:
    """Send the queue's waiting count to its hall once the change is committed."""
    _pending(db.session).append(("queue_updated", queue.hall.code, {"queue_id": queue.id, "queue": queue.code}))


def ticket_changed(ticket) -> None:
    """Tell the hall's screens a ticket changed state (a notice: no seq)."""
    payload = {
        "hall": ticket.hall.code,
        "id": ticket.id,
        "number": ticket.number,
        "queue": ticket.queue.code,
        "state": ticket.state,
        "window_number": ticket.window.number if ticket.window else None,
    }
    _pending(db.session).append(("ticket_updated", ticket.hall.code, payload))


def window_changed(window) -> None:
    """Tell the hall's screens a window opened, paused or closed (a notice: no seq)."""
    from .halls import window_view

    _pending(db.session).append(("window_updated", window.hall.code, {"hall": window.hall.code, "window": window_view(window)}))


def case_changed(case) -> None:
    """Tell the screens of the case's hall and pickup hall that a case changed (a notice: no seq)."""
    payload = {"hall": case.hall.code, "case_no": case.case_no, "state": case.state, "department": case.department.code}
    for hall_code in dict.fromkeys([case.hall.code, case.delivery_hall.code]):
        _pending(db.session).append(("case_updated", hall_code, payload))


def alert_raised(alert) -> None:
    """Tell the supervisors of the case's hall that a running case turned yellow or red (a notice: no seq)."""
    from .monitor import alert_view

    _pending(db.session).append(("case_alert", alert.case.hall.code, alert_view(alert)))


NUMBERED_EVENTS = ("ticket_called", "queue_updated")
# Notices about cases name case numbers and approvers: they go to the hall's staff screens only.
STAFF_EVENTS = ("case_updated", "case_alert")


def _pending(session) -> list:
    return session.info.setdefault(_PENDING, [])


@sa_event.listens_for(Session, "after_commit")
def _on_commit(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@sa_event.listens_for(Session, "after_rollback")
def _on_rollback(session) -> None:
    session.info.pop(_PENDING, None)


def send_committed() -> None:
    """Emit the events of committed changes, then close the session (nothing may hold a lock while we emit)."""
    committed = db.session.info.pop(_COMMITTED, None)
    if not committed:
        return
    from .tickets import waiting_counts_after_commit  # counted after the commit, so the figure is current

    queue_ids = {payload["queue_id"] for name, _, payload in committed if name == "queue_updated"}
    counts = waiting_counts_after_commit(queue_ids) if queue_ids else {}
    db.session.close()

    seen_queues: set[int] = set()
    for name, hall_code, payload in committed:
        if name == "queue_updated":
            if payload["queue_id"] in seen_queues:
                continue
            seen_queues.add(payload["queue_id"])
            payload = {"hall": hall_code, "queue": payload["queue"], "waiting": counts.get(payload["queue_id"], 0)}
        emit(name, hall_code, payload)


def emit(name: str, hall_code: str, payload: dict) -> None:
    """Send an event to the hall's subscribers, stamped with the hall's next seq if it is numbered."""
    from .redis_client import pause_redis, redis_paused

    shared = bool(current_app.config.get("REDIS_URL"))
    try:
        if name in NUMBERED_EVENTS:
            if shared and redis_paused():
                return  # no seq without Redis: boards catch up from the snapshot
            payload = {**payload, "seq": next_seq(hall_code)}
        local_only = {"ignore_queue": True} if shared and redis_paused() else {}
        room = staff_room(hall_code) if name in STAFF_EVENTS else hall_room(hall_code)
        socketio.emit(name, payload, to=room, **local_only)
    except redis.RedisError as error:
        pause_redis(error)
        log.warning("could not emit %s for hall %s: %s", name, hall_code, error)
    except Exception:  # a broken message queue must not break the call that was already committed
        log.exception("could not emit %s for hall %s", name, hall_code)


def _redis():
    from .redis_client import redis_client

    return redis_client()


def next_seq(hall_code: str) -> int:
    """Take the hall's next event number."""
    if current_app.config.get("REDIS_URL"):
        # A counter lost with Redis starts again above every earlier value (ms since 2020-01-01), so
        # boards see a jump forward (a gap: they re-fetch) instead of seq falling back to 1.
        floor = int((time.time() - 1_577_836_800) * 1000)
        return int(_redis().eval(_NEXT_SEQ_LUA, 1, f"wuban:seq:{hall_code}", floor))
    with _local_lock:
        value = next(_local_seq[hall_code])
        _local_last[hall_code] = value
        return value


def current_seq(hall_code: str) -> int:
    """Return the hall's last event number (0 when none was sent or Redis is unreachable)."""
    if current_app.config.get("REDIS_URL"):
        from .redis_client import pause_redis, redis_paused

        if redis_paused():
            return 0
        try:
            return int(_redis().get(f"wuban:seq:{hall_code}") or 0)
        except Exception as error:
            pause_redis(error)
            log.warning("redis unreachable while reading seq of %s", hall_code)
            return 0
    return _local_last[hall_code]
