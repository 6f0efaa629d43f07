"""Ticket operations: issue a number, call the next one, and every other step of the ticket machine.

Operations flush but never commit; they take the acting user and check what that user may do.
"""

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, bindparam, func, insert, or_, select, true, update

from workflows import ticket as ticket_flow

from . import clock, estimates, events, policy
from .db import UTCDateTime, next_in_sequence
from .errors import Conflict, InvalidRequest, InvalidTransition, NotFound
from .extensions import db
from .halls import get_window, queue_in_body
from .models import (
    NORMAL_LANE,
    PRIORITY_LANE,
    Hall,
    Queue,
    ServiceItem,
    Ticket,
    TicketCounter,
    TicketEvent,
    User,
    Window,
    window_queues,
)
from .schemas import TicketRequest


def issue_ticket(hall: Hall, req: TicketRequest) -> Ticket:
    """Take a number in a queue of the hall (at a kiosk or online)."""
    queue = queue_in_body(hall, req.queue)
    service = None
    if req.service is not None:
        service = db.session.scalar(select(ServiceItem).where(ServiceItem.code == req.service))
        if service is None:
            raise InvalidRequest({"service": f"事项不存在：{req.service}"})
        if service.queue_code != queue.code:
            raise InvalidRequest({"service": f"该事项应在“{service.queue_code}”队列办理，不在本队列"})

    at = clock.now()
    seq = next_in_sequence(TicketCounter, queue_id=queue.id, service_date=at.date())
    ticket = Ticket(
        hall=hall,
        queue=queue,
        origin_queue_id=queue.id,
        service=service,
        service_date=at.date(),
        number=f"{queue.prefix}{seq:03d}",
        state="waiting",
        lane=PRIORITY_LANE if req.priority == "priority" else NORMAL_LANE,
        priority_reason=req.priority_reason,
        phone=req.phone,
        issued_at=at,
        queued_at=at,
        recalls=0,
    )
    db.session.add(ticket)
    db.session.flush()
    _record(ticket, "issue", None, None, at)
    events.queue_changed(queue)
    return ticket


# Call-next fires the machine's `call` transition as one UPDATE: the machine says from which state
# to which; the SET clause does what its `_on_call` callback does (window, first call time).
_CALL = ticket_flow.machine.events["call"]
(_CALL_FROM,) = _CALL.transitions  # exactly one source state (waiting), named in the history row
(_CALL_TO,) = {transition.dest for transition in _CALL.transitions[_CALL_FROM]}


def _call_statement(dialect: str):
    """Build call-next's UPDATE: take the window's next waiting ticket and mark it called, in one statement."""
    tickets, queues, halls = Ticket.__table__, Queue.__table__, Hall.__table__
    in_line = (tickets.c.service_date == bindparam("day"), tickets.c.state == _CALL_FROM)
    calling_order = (tickets.c.lane, tickets.c.queued_at, tickets.c.id)
    if dialect == "postgresql":
        # The head of each served queue, read from the calling-order index (one probe per queue, not a sort
        # of the whole line), then the best of those heads. SKIP LOCKED: a ticket another window is taking
        # right now is passed over, never handed out twice. The heads not chosen stay locked until the
        # commit, so a window calling at that instant may pass one over once (DESIGN.md allows it).
        head = (
            select(tickets.c.id, *calling_order[:2])
            .where(tickets.c.queue_id == window_queues.c.queue_id, *in_line)
            .order_by(*calling_order)
            .limit(1)
            .with_for_update(skip_locked=True)
            .lateral("head")
        )
        next_id = (
            select(head.c.id)
            .select_from(window_queues.join(head, true()))
            .where(window_queues.c.window_id == bindparam("win"))
            .order_by(head.c.lane, head.c.queued_at, head.c.id)
            .limit(1)
        )
    else:
        # SQLite has no row locks; there the request's BEGIN IMMEDIATE serializes callers instead.
        served_queues = select(window_queues.c.queue_id).where(window_queues.c.window_id == bindparam("win"))
        next_id = (
            select(tickets.c.id)
            .where(tickets.c.queue_id.in_(served_queues), *in_line)
            .order_by(*calling_order)
            .limit(1)
        )
    return (
        update(tickets)
        .where(tickets.c.id == next_id.scalar_subquery(), tickets.c.state == _CALL_FROM)
        .values(state=_CALL_TO, window_id=bindparam("win"),
                called_at=func.coalesce(tickets.c.called_at, bindparam("at", type_=UTCDateTime())))
        .returning(
            tickets.c.id, tickets.c.hall_id, tickets.c.queue_id, tickets.c.number, tickets.c.lane,
            tickets.c.priority_reason, tickets.c.state, tickets.c.issued_at, tickets.c.called_at, tickets.c.recalls,
            select(halls.c.code).where(halls.c.id == tickets.c.hall_id).scalar_subquery().label("hall_code"),
            select(queues.c.code).where(queues.c.id == tickets.c.queue_id).scalar_subquery().label("queue_code"),
            select(queues.c.name).where(queues.c.id == tickets.c.queue_id).scalar_subquery().label("queue_name"),
        )
    )


_CALL_NEXT = {dialect: _call_statement(dialect) for dialect in ("postgresql", "sqlite")}
_RECORD_CALL = insert(TicketEvent.__table__).returning(TicketEvent.__table__.c.id)


@dataclass(frozen=True)
class HallRef:
    """The hall a called ticket belongs to, as far as views and events need it."""

    id: int
    code: str


@dataclass(frozen=True)
class QueueRef:
    """The queue a called ticket belongs to, as far as views and events need it."""

    id: int
    code: str
    name: str
    hall: HallRef


@dataclass(frozen=True)
class WindowRef:
    """A window as call-next reads it: one row, no ORM load."""

    id: int
    hall_id: int
    number: int
    name: str
    status: str
    clerk_id: int | None


_WINDOW = select(*(Window.__table__.c[name] for name in ("id", "hall_id", "number", "name", "status", "clerk_id"))).where(
    Window.__table__.c.id == bindparam("win"))
_SIGN_IN_CLERK = update(Window.__table__).where(Window.__table__.c.id == bindparam("win")).values(clerk_id=bindparam("clerk"))


@dataclass(frozen=True)
class CalledTicket:
    """A ticket just called, as call-next's UPDATE returned it: reads like a Ticket for ticket_view and events."""

    id: int
    hall: HallRef
    queue: QueueRef
    window: WindowRef
    number: str
    lane: int
    priority_reason: str | None
    state: str
    issued_at: datetime
    called_at: datetime
    recalls: int

    @property
    def priority(self) -> str:
        return "priority" if self.lane == PRIORITY_LANE else "normal"


def call_next(window_id: int, actor: User) -> CalledTicket | None:
    """Call the window's next ticket: priority first, then the longest in line. None when nobody waits."""
    found = db.session.execute(_WINDOW, {"win": window_id}).first()
    if found is None:
        get_window(window_id)  # answers 404
    window = WindowRef(*found)
    policy.require(actor, "window.operate", hall_id=window.hall_id)
    if window.status != "open":
        raise Conflict("窗口未开放（已暂停或关闭），不能叫号", {"window": window.id, "status": window.status})
    at = clock.now()
    statement = _CALL_NEXT[db.session.get_bind().dialect.name]
    row = db.session.execute(statement, {"win": window.id, "day": at.date(), "at": at}).first()
    if row is None:
        return None
    if window.clerk_id != actor.id:
        db.session.execute(_SIGN_IN_CLERK, {"win": window.id, "clerk": actor.id})
    hall = HallRef(row.hall_id, row.hall_code)
    ticket = CalledTicket(
        id=row.id, hall=hall, queue=QueueRef(row.queue_id, row.queue_code, row.queue_name, hall), window=window,
        number=row.number, lane=row.lane, priority_reason=row.priority_reason, state=row.state,
        issued_at=row.issued_at, called_at=row.called_at, recalls=row.recalls,
    )
    call_id = db.session.execute(_RECORD_CALL, {
        "ticket_id": ticket.id, "trigger": "call", "from_state": _CALL_FROM, "to_state": ticket.state,
        "actor_id": actor.id, "window_id": window.id, "queue_id": ticket.queue.id, "at": at, "note": None,
    }).scalar_one()
    events.ticket_called(ticket, call_id)
    events.ticket_changed(ticket)
    events.queue_changed(ticket.queue)
    return ticket


def fire_ticket_trigger(ticket: Ticket, trigger: str, actor: User, target_queue_code: str | None = None) -> Ticket:
    """Fire a clerk's trigger (recall, start, finish, no_show, requeue, transfer, cancel) on a ticket."""
    allowed = [name for name in ticket_flow.allowed_triggers(ticket.state) if name in ticket_flow.CLERK_TRIGGERS]
    if trigger not in allowed:
        raise InvalidTransition(ticket.state, trigger, allowed)
    policy.require(actor, "window.operate", hall_id=ticket.hall_id)

    if trigger == "transfer":
        if target_queue_code is None:
            raise InvalidRequest({"queue": "必填"})
        target = queue_in_body(ticket.hall, target_queue_code)
        if target.id == ticket.queue_id:
            raise InvalidRequest({"queue": "已在该队列中，请选择其他队列"})
        source = ticket.queue
        _fire(ticket, "transfer", actor, queue=target, window=ticket.window)
        events.ticket_changed(ticket)
        events.queue_changed(source)
        events.queue_changed(target)
        return ticket

    change = _fire(ticket, trigger, actor, window=ticket.window)
    events.ticket_changed(ticket)
    if trigger == "recall":
        events.ticket_called(ticket, change.id)
    if trigger in ("requeue", "cancel"):
        events.queue_changed(ticket.queue)
    return ticket


def set_window_status(window: Window, status: str, actor: User) -> Window:
    """Open, pause or close a window; opening it signs the clerk in at it."""
    policy.require(actor, "window.operate", hall_id=window.hall_id)
    window.status = status
    window.clerk = None if status == "closed" else actor.record()  # the row, not a token's principal
    db.session.flush()
    events.window_changed(window)
    return window


def _fire(ticket: Ticket, trigger: str, actor: User, window: Window | None = None, **kwargs) -> TicketEvent:
    at = clock.now()
    before = ticket_flow.fire(ticket, trigger, at=at, window=window, **kwargs)
    change = _record(ticket, trigger, before, actor, at, window)
    db.session.flush()
    return change


def _record(ticket: Ticket, trigger: str, before: str | None, actor: User | None, at,
            window: Window | None = None) -> TicketEvent:
    change = TicketEvent(
        ticket_id=ticket.id,
        trigger=trigger,
        from_state=before,
        to_state=ticket.state,
        actor_id=actor.id if actor else None,
        window_id=window.id if window else None,
        queue_id=ticket.queue.id,
        at=at,
    )
    db.session.add(change)
    return change


_WAITING_COUNTS = (
    select(Ticket.__table__.c.queue_id, func.count())
    .where(Ticket.__table__.c.queue_id.in_(bindparam("queues", expanding=True)),
           Ticket.__table__.c.service_date == bindparam("day"), Ticket.__table__.c.state == "waiting")
    .group_by(Ticket.__table__.c.queue_id)
)


def waiting_counts(queue_ids) -> dict[int, int]:
    """Count today's waiting tickets of each queue."""
    rows = db.session.execute(_WAITING_COUNTS, {"queues": list(queue_ids), "day": clock.today()})
    return dict(rows.all())


def waiting_counts_after_commit(queue_ids) -> dict[int, int]:
    """Count today's waiting tickets of each queue with a count started after this request's commit."""
    shared = current_app.extensions.setdefault("wuban.shared_counts", SharedCounts())
    since = time.monotonic()
    return {queue_id: shared.count_after(queue_id, since) for queue_id in queue_ids}


class SharedCounts:
    """Waiting counts shared by the concurrent requests of one process (one per app).

    A queue_updated event carries a count taken after its change was committed. Under load many
    requests of a worker commit changes to the same queue at the same moment; each may use any count
    that started after its own commit, so one count query serves them all instead of one each.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._running: dict[int, tuple[float, threading.Event]] = {}
        self._latest: dict[int, tuple[float, int]] = {}  # queue id -> (started, waiting)

    def count_after(self, queue_id: int, since: float) -> int:
        """Return a count of the queue's waiting tickets that started at `since` or later."""
        while True:
            with self._lock:
                latest = self._latest.get(queue_id)
                if latest is not None and latest[0] >= since:
                    return latest[1]
                running = self._running.get(queue_id)
                if running is None:
                    started, done = time.monotonic(), threading.Event()
                    self._running[queue_id] = (started, done)
                    break
            running[1].wait(timeout=5)  # a count started before `since` finishes; then look again
        try:
            waiting = waiting_counts([queue_id]).get(queue_id, 0)
            with self._lock:
                self._latest[queue_id] = (started, waiting)  # one count per queue runs at a time: the newest
            return waiting
        finally:
            with self._lock:
                del self._running[queue_id]
            done.set()


def _ahead_statement():
    tickets = Ticket.__table__
    lane, queued_at, ticket_id = bindparam("lane"), bindparam("queued_at", type_=UTCDateTime()), bindparam("id")
    earlier = or_(tickets.c.queued_at < queued_at, and_(tickets.c.queued_at == queued_at, tickets.c.id < ticket_id))
    return (
        select(func.count())
        .select_from(tickets)
        .where(
            tickets.c.queue_id == bindparam("queue"),
            tickets.c.service_date == bindparam("day"),
            tickets.c.state == "waiting",
            or_(tickets.c.lane < lane, and_(tickets.c.lane == lane, earlier)),
        )
    )


_WAITING_AHEAD = _ahead_statement()


def ticket_by_number(hall: Hall, number: str) -> Ticket:
    """Return today's ticket of the hall with this number (as printed: A012), or answer 404."""
    ticket = db.session.scalar(select(Ticket).where(
        Ticket.hall_id == hall.id, Ticket.service_date == clock.today(), Ticket.number == number))
    if ticket is None:
        raise NotFound(f"今日没有 {number} 号的号票，请核对号码", {"number": number})
    return ticket


def waiting_ahead(ticket: Ticket) -> int:
    """Count the tickets of the same queue that will be called before this one."""
    return db.session.execute(_WAITING_AHEAD, {
        "queue": ticket.queue_id, "day": ticket.service_date, "lane": ticket.lane,
        "queued_at": ticket.queued_at, "id": ticket.id,
    }).scalar_one()


def estimated_wait_s(queue: Queue, ahead: int) -> int:
    """Estimate the seconds until a ticket with `ahead` tickets before it is called (live rate of open windows)."""
    return estimates.estimated_wait_s(queue, ahead)


def ticket_view(ticket: Ticket) -> dict:
    """Render a ticket as the contract's ticket object."""
    ahead = est = None
    if ticket.state == "waiting":
        ahead = waiting_ahead(ticket)
        est = estimated_wait_s(ticket.queue, ahead)
    return {
        "id": ticket.id,
        "hall": ticket.hall.code,
        "number": ticket.number,
        "queue": ticket.queue.code,
        "queue_name": ticket.queue.name,
        "priority": ticket.priority,
        "priority_reason": ticket.priority_reason,
        "state": ticket.state,
        "window_number": ticket.window.number if ticket.window else None,
        "issued_at": clock.to_hall_iso(ticket.issued_at),
        "called_at": clock.to_hall_iso(ticket.called_at),
        "recalls": ticket.recalls,
        "waiting_ahead": ahead,
        "est_wait_s": est,
    }


def queue_views(hall: Hall) -> list[dict]:
    """Render the hall's queues with their waiting counts and the wait a new ticket can expect."""
    counts = waiting_counts(queue.id for queue in hall.queues)
    return [
        {
            "code": queue.code,
            "name": queue.name,
            "prefix": queue.prefix,
            "waiting": counts.get(queue.id, 0),
            "est_wait_s": estimated_wait_s(queue, counts.get(queue.id, 0)),
        }
        for queue in hall.queues
    ]


def ticket_history(ticket: Ticket) -> list[dict]:
    """Render the ticket's recorded changes, oldest first."""
    rows = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
    return [
        {
            "trigger": row.trigger,
            "from": row.from_state,
            "to": row.to_state,
            "actor": row.actor.username if row.actor else None,
            "at": clock.to_hall_iso(row.at),
        }
        for row in rows
    ]


