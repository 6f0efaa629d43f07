"""Realtime events: the one module through which anything goes out to Socket.IO subscribers.

Operations call ``ticket_called``, ``queue_changed``, ``ticket_changed`` and ``window_changed``
while they work; the events wait in the session until it commits (a rollback of the whole
transaction drops them, a savepoint's does not) and go out after the answer: ``send_after_response``,
which the app runs after each request, hands them to this process's outbox, drained in order by one
background task at a time, so the answer never waits for the fan-out and one process sends its
batches in the order their requests finished. The scheduler sends its own with ``send_committed``.

The contract's two events, ``ticket_called`` and ``queue_updated``, carry ``seq``: one counter per
hall across both, kept in Redis when REDIS_URL is set (so every worker and the scheduler share it)
and in this process otherwise. The notices ``ticket_updated`` and ``window_updated`` (for clerk
screens and ticket status pages) carry no seq, so a board that counts seq never sees a false gap.

While Redis is down, events still reach this process's subscribers, numbered by the process: each
one jumps at least two past the last seq the process sent or saw (and at least to the milliseconds
since 2020), so a board always sees a gap and re-reads the snapshot, which carries that seq and the
calls every process made; it never sees a false continuity across calls it could not hear. When the
message queue's listener gets back to Redis, the counters are raised above every seq this process
used and every subscriber gets ``resync`` (this process's directly, the others' through Redis): every
board re-reads its snapshot at once.
"""

import itertools
import logging
import threading
import time
from collections import defaultdict, deque

import redis
from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session

from queue_server.db import DatabaseBusy
from queue_server.extensions import db, socketio

log = logging.getLogger(__name__)

_PENDING = "wuban.pending_events"
_COMMITTED = "wuban.committed_events"

_local_seq: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))
_local_last: dict[str, int] = defaultdict(int)
_local_lock = threading.Lock()
# With REDIS_URL: the last seq this process sent or read per (Redis URL, hall); the outage numbering
# starts above it.
_last_seen: dict[tuple[str, str], int] = defaultdict(int)
# Next seq: a missing counter starts at ARGV[1] (ms since 2020), and never below ARGV[2] (this
# process's last seq), so seqs sent during an outage are never handed out again.
_NEXT_SEQ_LUA = """
local value = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if value < tonumber(ARGV[2]) then value = tonumber(ARGV[2]) end
redis.call('SET', KEYS[1], value + 1)
return value + 1
"""
_RAISE_SEQ_LUA = """
if (tonumber(redis.call('GET', KEYS[1]) or 0)) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return redis.call('GET', KEYS[1])
"""
RESYNC = "resync"


def staff_room(hall_code: str) -> str:
    """Name the Socket.IO room of a hall's signed-in staff screens (case notices are for them only)."""
    return f"staff:{hall_code}"


def hall_room(hall_code: str) -> str:
    """Name the Socket.IO room of a hall's subscribers."""
    return f"hall:{hall_code}"


def ticket_called(ticket, call_id: int) -> None:
    """Announce a call or recall of a ticket to its hall once the change is committed."""
    from queue_server.queue.answers import CallOut  # the board shows the same call in its snapshot
    from queue_server.queue.board import Call

    payload = {"hall": ticket.hall.code,
               **CallOut.model_validate(Call(call_id, ticket, ticket.window)).model_dump(mode="json")}
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
    from queue_server.queue.answers import WindowOut

    _pending(db.session).append(("window_updated", window.hall.code, {
        "hall": window.hall.code, "window": WindowOut.model_validate(window).model_dump(mode="json")}))


def case_changed(case) -> None:
    """Tell the screens of the case's hall and pickup hall that a case changed (a notice: no seq)."""
    payload = {"hall": case.hall.code, "case_no": case.case_no, "state": case.state, "department": case.department.code}
    for hall_code in dict.fromkeys([case.hall.code, case.delivery_hall.code]):
        _pending(db.session).append(("case_updated", hall_code, payload))


def alert_raised(alert) -> None:
    """Tell the supervisors of the case's hall that a running case turned yellow or red (a notice: no seq)."""
    from queue_server.supervision.answers import AlertOut

    _pending(db.session).append(("case_alert", alert.case.hall.code,
                                 AlertOut.model_validate(alert).model_dump(mode="json")))


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


@sa_event.listens_for(Session, "after_soft_rollback")
def _on_rollback(session, previous_transaction) -> None:
    # Only the outermost rollback undoes the work; a savepoint's rollback keeps the outer events.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def send_committed() -> None:
    """Emit the events of committed changes now, then close the session (no lock is held while we emit)."""
    _send(db.session.info.pop(_COMMITTED, None))


# --- after the answer: one outbox per process, drained in order by one background task at a time ---

_outbox: deque = deque()
_outbox_idle = threading.Condition()
_draining = False


def send_after_response() -> None:
    """Hand this request's committed events and SMS to the process's outbox; return at once."""
    from queue_server.notify.sms import take_committed

    events, messages = db.session.info.pop(_COMMITTED, None), take_committed()
    if not events and not messages:
        return
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
    from queue_server.notify.sms import deliver

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
    from queue_server.queue.tallies import waiting_counts_after_commit

    queue_ids = {payload["queue_id"] for name, _, payload in committed if name == "queue_updated"}
    try:
        counts = waiting_counts_after_commit(queue_ids) if queue_ids else {}
    except (DBAPIError, SQLAlchemyTimeoutError, DatabaseBusy) as exc:  # the calls still go out; counts later
        log.warning("waiting counts not sent: database unavailable (%s)", type(getattr(exc, "orig", exc)).__name__)
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
            payload = {"hall": hall_code, "queue": payload["queue"], "waiting": counts.get(payload["queue_id"], 0)}
        emit(name, hall_code, payload)


def emit(name: str, hall_code: str, payload: dict) -> None:
    """Send an event to the hall's subscribers, stamped with the hall's next seq if it is numbered.

    The message queue delivers to this process's subscribers first and then publishes; with Redis
    down the seq comes from this process (see the module's docstring) and the publish is skipped.
    """
    from queue_server.redis_client import redis_paused

    try:
        if name in NUMBERED_EVENTS:
            payload = {**payload, "seq": next_seq(hall_code)}
        local_only = {"ignore_queue": True} if current_app.config.get("REDIS_URL") and redis_paused() else {}
        room = staff_room(hall_code) if name in STAFF_EVENTS else hall_room(hall_code)
        socketio.emit(name, payload, to=room, **local_only)
    except Exception:  # a broken message queue must not break the call that was already committed
        log.exception("could not emit %s for hall %s", name, hall_code)


def _redis():
    from queue_server.redis_client import redis_client

    return redis_client()


def _time_floor() -> int:
    """Milliseconds since 2020-01-01: above any seq a counter made by counting events since then."""
    return int((time.time() - 1_577_836_800) * 1000)


def _seen(hall_code: str, value: int) -> int:
    key = (current_app.config["REDIS_URL"], hall_code)
    with _local_lock:
        if value > _last_seen[key]:
            _last_seen[key] = value
        return _last_seen[key]


def next_seq(hall_code: str) -> int:
    """Take the hall's next event number (from Redis with REDIS_URL; from this process during an outage)."""
    if current_app.config.get("REDIS_URL"):
        from queue_server.redis_client import pause_redis, redis_paused

        if not redis_paused():
            try:
                # A counter lost with Redis starts again above every earlier value (ms since 2020), so
                # boards see a jump forward (a gap: they re-fetch) instead of seq falling back to 1.
                value = int(_redis().eval(_NEXT_SEQ_LUA, 1, seq_key(hall_code), _time_floor(),
                                          _last_seen[(current_app.config["REDIS_URL"], hall_code)]))
                return _seen(hall_code, value)
            except redis.RedisError as error:
                pause_redis(error)
        return _outage_seq(hall_code)
    with _local_lock:
        value = next(_local_seq[hall_code])
        _local_last[hall_code] = value
        return value


def _outage_seq(hall_code: str) -> int:
    """Number an event while Redis is down: always a gap for the boards (see the module's docstring)."""
    key = (current_app.config["REDIS_URL"], hall_code)
    with _local_lock:
        value = max(_last_seen[key] + 2, _time_floor())
        _last_seen[key] = value
        return value


def current_seq(hall_code: str) -> int:
    """Return the hall's last event number, as this process knows it while Redis is unreachable."""
    if current_app.config.get("REDIS_URL"):
        from queue_server.redis_client import pause_redis, redis_paused

        if not redis_paused():
            try:
                return _seen(hall_code, int(_redis().get(seq_key(hall_code)) or 0))
            except redis.RedisError as error:
                pause_redis(error)
                log.warning("redis unreachable while reading seq of %s", hall_code)
        return _last_seen[(current_app.config["REDIS_URL"], hall_code)]
    return _local_last[hall_code]


def seq_key(hall_code: str) -> str:
    """Name the Redis key of a hall's seq counter."""
    return f"wuban:seq:{hall_code}"


def resync_after_outage(server, connection, url: str) -> None:
    """Redis is back: raise each hall's counter above this process's outage seqs, then tell every
    subscriber to re-read their snapshot (``resync``, a notice: no seq). It goes to this process's
    subscribers and through Redis to the others': a process that got back to Redis earlier may have
    told its boards before this one's last events made during the outage, which they never heard."""
    with _local_lock:
        seen = {hall_code: value for (at, hall_code), value in _last_seen.items() if at == url}
    for hall_code, value in seen.items():
        try:
            connection.eval(_RAISE_SEQ_LUA, 1, seq_key(hall_code), value)
        except redis.RedisError as error:
            log.warning("could not raise the seq of %s after the outage: %s", hall_code, error)
    server.emit(RESYNC, {"reason": "redis"}, namespace="/")
    log.info("redis is back: told every subscriber to re-read their snapshot")
