"""Ticket operations: issue a number, call the next one, and every other step of the ticket machine.

Operations flush but never commit; they take the acting user and check what that user may do.

The two busiest requests of a hall stay off the ORM: issuing a ticket and calling the next one are
Core statements (on PostgreSQL one statement each, plus the window's row lock for a call), and
waiting counts are read from tallies kept in the same transactions (``WaitingTally``), never counted
over the line.
"""

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.citizen.models import ServiceItem
from queue_server.db import UTCDateTime, next_in_sequence
from queue_server.errors import Conflict, InvalidRequest, InvalidTransition, NotFound
from queue_server.extensions import db
from queue_server.queue import estimates
from queue_server.queue.halls import get_window, queue_in_body
from queue_server.queue.models import (
    HELD_STATES,
    NORMAL_LANE,
    PRIORITY_LANE,
    Hall,
    Queue,
    Ticket,
    TicketCounter,
    TicketEvent,
    WaitingTally,
    Window,
    window_queues,
)
from queue_server.realtime import events
from queue_server.schemas import TicketRequest
from workflows import ticket as ticket_flow

_TICKETS, _EVENTS, _TALLIES, _COUNTERS = (
    Ticket.__table__, TicketEvent.__table__, WaitingTally.__table__, TicketCounter.__table__)
_QUEUES, _HALLS, _WINDOWS = Queue.__table__, Hall.__table__, Window.__table__
DIALECTS = ("postgresql", "sqlite")
# The tally row of every move into or out of the line except calls (those count on the window's row).
SHARED_SLOT = 0


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _insert_into(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


# --- references that read like the ORM objects, for views and events, without loading them ---


@dataclass(frozen=True)
class HallRef:
    """The hall a ticket belongs to, as far as views and events need it."""

    id: int
    code: str


@dataclass(frozen=True)
class QueueRef:
    """The queue a ticket belongs to, as far as views and events need it."""

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


class _Lane:
    lane: int

    @property
    def priority(self) -> str:
        return "priority" if self.lane == PRIORITY_LANE else "normal"


# --- waiting counts: tallies kept by every move into or out of `waiting` ---


def _tally_upsert(dialect: str, source=None):
    """Build the upsert that adds a delta to a tally row (values, or rows of a SELECT)."""
    names = ["queue_id", "service_date", "lane", "slot", "waiting"]
    statement = _insert_into(dialect)(_TALLIES)
    if source is None:
        statement = statement.values(
            queue_id=bindparam("queue"), service_date=bindparam("day"), lane=bindparam("lane"),
            slot=bindparam("slot"), waiting=bindparam("delta"))
    else:
        statement = statement.from_select(names, source)
    return statement.on_conflict_do_update(
        index_elements=[_TALLIES.c.queue_id, _TALLIES.c.service_date, _TALLIES.c.lane, _TALLIES.c.slot],
        set_={"waiting": _TALLIES.c.waiting + statement.excluded.waiting},
    )


_MOVE_WAITING = {dialect: _tally_upsert(dialect) for dialect in DIALECTS}


def move_waiting(queue_id: int, day: date, lane: int, delta: int, slot: int = SHARED_SLOT) -> None:
    """Add `delta` to the queue's waiting count of the day in a lane."""
    db.session.execute(_MOVE_WAITING[_dialect()],
                       {"queue": queue_id, "day": day, "lane": lane, "slot": slot, "delta": delta})


def count_waiting_change(ticket: Ticket, before: str | None) -> None:
    """Keep the waiting tallies right after a ticket went from `before` to its current state."""
    if (before == "waiting") == (ticket.state == "waiting"):
        return
    delta = 1 if ticket.state == "waiting" else -1
    move_waiting(ticket.queue.id, ticket.service_date, ticket.lane, delta)


_WAITING_COUNTS = (
    select(_TALLIES.c.queue_id, func.sum(_TALLIES.c.waiting))
    .where(_TALLIES.c.queue_id.in_(bindparam("queues", expanding=True)),
           _TALLIES.c.service_date == bindparam("day"))
    .group_by(_TALLIES.c.queue_id)
)


def waiting_counts(queue_ids) -> dict[int, int]:
    """Return today's waiting tickets of each queue (a few tally rows each, however long the line)."""
    ids = list(queue_ids)
    if not ids:
        return {}
    rows = db.session.execute(_WAITING_COUNTS, {"queues": ids, "day": clock.today()})
    return {queue_id: int(waiting) for queue_id, waiting in rows}


# --- issue ---


@dataclass(frozen=True)
class IssuedTicket(_Lane):
    """A ticket just issued, as the issuing statements returned it: reads like a Ticket for ticket_view."""

    id: int
    hall: HallRef
    queue: QueueRef
    number: str
    lane: int
    priority_reason: str | None
    issued_at: datetime
    service_date: date
    known_ahead: int  # its place in line when it was issued, from the tallies
    state: str = "waiting"
    window: None = None
    called_at: None = None
    recalls: int = 0

    @property
    def hall_id(self) -> int:
        return self.hall.id

    @property
    def queue_id(self) -> int:
        return self.queue.id

    @property
    def queued_at(self) -> datetime:
        return self.issued_at


def _ahead_in_tallies(lane):
    """Sum the tally rows of the lanes called before or with `lane`, except `lane`'s shared row."""
    return (
        select(func.coalesce(func.sum(_TALLIES.c.waiting), 0))
        .where(_TALLIES.c.queue_id == bindparam("queue"), _TALLIES.c.service_date == bindparam("day"),
               _TALLIES.c.lane <= lane, or_(_TALLIES.c.lane != lane, _TALLIES.c.slot != SHARED_SLOT))
        .scalar_subquery()
    )


def _issue_statement():
    """Build PostgreSQL's issue: number, ticket, history row and tally in one statement.

    Returns the ticket's id and number, and ``in_line``: the tickets of its queue in its lane or a
    lane called before it, itself included (its shared tally row as updated, the others as read).
    """
    queue, day = bindparam("queue", type_=Integer), bindparam("day", type_=Date)
    lane = bindparam("lane", type_=Integer)
    at = bindparam("at", type_=UTCDateTime())
    counter = (
        postgresql.insert(_COUNTERS)
        .values(queue_id=queue, service_date=day, last_seq=1)
        .on_conflict_do_update(index_elements=[_COUNTERS.c.queue_id, _COUNTERS.c.service_date],
                               set_={"last_seq": _COUNTERS.c.last_seq + 1})
        .returning(_COUNTERS.c.last_seq)
        .cte("counter")
    )
    seq = cast(counter.c.last_seq, String)
    columns = {
        "hall_id": bindparam("hall", type_=Integer), "queue_id": queue, "origin_queue_id": queue,
        "service_id": bindparam("service", type_=Integer), "service_date": day,
        "number": bindparam("prefix", type_=String) + func.lpad(seq, func.greatest(3, func.length(seq)), "0"),
        "state": literal("waiting"), "lane": lane, "priority_reason": bindparam("reason", type_=String),
        "phone": bindparam("phone", type_=String), "issued_at": at, "queued_at": at, "recalls": literal(0),
    }
    ticket = (
        insert(_TICKETS)
        .from_select(list(columns),
                     select(*(value.label(name) for name, value in columns.items())).select_from(counter))
        .returning(_TICKETS.c.id, _TICKETS.c.number)
        .cte("ticket")
    )
    history = insert(_EVENTS).from_select(
        ["ticket_id", "trigger", "to_state", "queue_id", "at"],
        select(ticket.c.id, literal("issue").label("trigger"), literal("waiting").label("to_state"),
               queue.label("queue_id"), at.label("at")),
    ).cte("history")
    tally = (
        _tally_upsert("postgresql", select(queue.label("queue_id"), day.label("service_date"),
                                           lane.label("lane"), literal(SHARED_SLOT).label("slot"),
                                           literal(1).label("waiting")))
        .returning(_TALLIES.c.waiting)
        .cte("tally")
    )
    return (
        select(ticket.c.id, ticket.c.number, (tally.c.waiting + _ahead_in_tallies(lane)).label("in_line"))
        .select_from(ticket.join(tally, true()))
        .add_cte(history)
    )


_ISSUE = _issue_statement()
_INSERT_TICKET = insert(_TICKETS).returning(_TICKETS.c.id)
_RECORD = insert(_EVENTS).returning(_EVENTS.c.id)
_IN_LINE = select(func.coalesce(func.sum(_TALLIES.c.waiting), 0)).where(
    _TALLIES.c.queue_id == bindparam("queue"), _TALLIES.c.service_date == bindparam("day"),
    _TALLIES.c.lane <= bindparam("lane"))


def issue_ticket(hall: Hall, req: TicketRequest) -> IssuedTicket:
    """Take a number in a queue of the hall (at a kiosk or online)."""
    queue = queue_in_body(hall, req.queue)
    service_id = None
    if req.service is not None:
        service = db.session.scalar(select(ServiceItem).where(ServiceItem.code == req.service))
        if service is None:
            raise InvalidRequest({"service": f"事项不存在：{req.service}"})
        if service.queue_code != queue.code:
            raise InvalidRequest({"service": f"该事项应在“{service.queue_code}”队列办理，不在本队列"})
        service_id = service.id

    at = clock.now()
    day = at.date()
    lane = PRIORITY_LANE if req.priority == "priority" else NORMAL_LANE
    if _dialect() == "postgresql":
        row = db.session.execute(_ISSUE, {
            "hall": hall.id, "queue": queue.id, "service": service_id, "day": day, "prefix": queue.prefix,
            "lane": lane, "reason": req.priority_reason, "phone": req.phone, "at": at,
        }).one()
        ticket_id, number, in_line = row.id, row.number, row.in_line
    else:  # SQLite: the same steps one by one, under the request's write lock
        number = f"{queue.prefix}{next_in_sequence(TicketCounter, queue_id=queue.id, service_date=day):03d}"
        ticket_id = db.session.execute(_INSERT_TICKET, {
            "hall_id": hall.id, "queue_id": queue.id, "origin_queue_id": queue.id, "service_id": service_id,
            "service_date": day, "number": number, "state": "waiting", "lane": lane,
            "priority_reason": req.priority_reason, "phone": req.phone, "issued_at": at, "queued_at": at,
            "recalls": 0,
        }).scalar_one()
        db.session.execute(_RECORD, {"ticket_id": ticket_id, "trigger": "issue", "from_state": None,
                                     "to_state": "waiting", "actor_id": None, "window_id": None,
                                     "queue_id": queue.id, "at": at, "note": None})
        move_waiting(queue.id, day, lane, 1)
        in_line = db.session.execute(_IN_LINE, {"queue": queue.id, "day": day, "lane": lane}).scalar_one()
    hall_ref = HallRef(hall.id, hall.code)
    queue_ref = QueueRef(queue.id, queue.code, queue.name, hall_ref)
    events.queue_changed(queue_ref)
    return IssuedTicket(id=ticket_id, hall=hall_ref, queue=queue_ref, number=number, lane=lane,
                        priority_reason=req.priority_reason, issued_at=at, service_date=day,
                        known_ahead=max(0, int(in_line) - 1))


# --- call-next ---

# Call-next fires the machine's `call` transition as one UPDATE: the machine says from which state
# to which; the SET clause does what its `_on_call` callback does (window, first call time).
_CALL = ticket_flow.machine.events["call"]
(_CALL_FROM,) = _CALL.transitions  # exactly one source state (waiting), named in the history row
(_CALL_TO,) = {transition.dest for transition in _CALL.transitions[_CALL_FROM]}

# The window's row, locked: call-next at one window runs one at a time (FOR NO KEY UPDATE on
# PostgreSQL, which the history rows' foreign-key checks do not wait for; SQLite's write lock serializes).
_WINDOW = (
    select(*(_WINDOWS.c[name] for name in ("id", "hall_id", "number", "name", "status", "clerk_id")))
    .where(_WINDOWS.c.id == bindparam("win"))
    .with_for_update(key_share=True)
)
_SIGN_IN_CLERK = update(_WINDOWS).where(_WINDOWS.c.id == bindparam("win")).values(clerk_id=bindparam("clerk"))
# What the window still holds (called or being served): read after the window's lock, so it is current.
_HELD = (
    select(_TICKETS.c.id, _TICKETS.c.number, _TICKETS.c.state)
    .where(_TICKETS.c.window_id == bindparam("win"), _TICKETS.c.state.in_(HELD_STATES))
    .order_by(_TICKETS.c.called_at, _TICKETS.c.id)
    .limit(1)
)


def _take_statement(dialect: str):
    """Build the UPDATE that takes the window's next waiting ticket and marks it called."""
    tickets = _TICKETS
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
            tickets.c.priority_reason, tickets.c.state, tickets.c.issued_at, tickets.c.called_at,
            tickets.c.recalls,
            select(_HALLS.c.code).where(_HALLS.c.id == tickets.c.hall_id).scalar_subquery()
            .label("hall_code"),
            select(_QUEUES.c.code).where(_QUEUES.c.id == tickets.c.queue_id).scalar_subquery()
            .label("queue_code"),
            select(_QUEUES.c.name).where(_QUEUES.c.id == tickets.c.queue_id).scalar_subquery()
            .label("queue_name"),
        )
    )


def _call_statement():
    """Build PostgreSQL's call-next after the window's lock: check, take, mark, record, count at once.

    Always one row: ``held_*`` name a ticket the window still holds (then nothing was taken); otherwise
    the taken ticket's columns and ``call_id``, the id of its history row, are NULL when nobody waits.
    """
    win, day = bindparam("win", type_=Integer), bindparam("day", type_=Date)
    at = bindparam("at", type_=UTCDateTime())
    held = _HELD.cte("held")
    take = _take_statement("postgresql")
    taken = take.where(~exists(select(held.c.id))).cte("taken")
    history = (
        insert(_EVENTS)
        .from_select(
            ["ticket_id", "trigger", "from_state", "to_state", "actor_id", "window_id", "queue_id", "at"],
            select(taken.c.id, literal("call").label("trigger"), literal(_CALL_FROM).label("from_state"),
                   taken.c.state, bindparam("actor", type_=Integer).label("actor_id"), win.label("window_id"),
                   taken.c.queue_id, at.label("at")),
        )
        .returning(_EVENTS.c.id)
        .cte("history")
    )
    tally = _tally_upsert("postgresql", select(taken.c.queue_id, day.label("service_date"), taken.c.lane,
                                               win.label("slot"), literal(-1).label("waiting"))).cte("tally")
    one = select(literal(1).label("one")).subquery("one")
    return (
        select(held.c.id.label("held_id"), held.c.number.label("held_number"),
               held.c.state.label("held_state"), *(column for column in taken.c),
               history.c.id.label("call_id"))
        .select_from(one.outerjoin(held, true()).outerjoin(taken.join(history, true()), true()))
        .add_cte(tally)
    )


_CALL_NEXT = _call_statement()
_TAKE_SQLITE = _take_statement("sqlite")


@dataclass(frozen=True)
class CalledTicket(_Lane):
    """A ticket just called, as call-next returned it: reads like a Ticket for ticket_view and events."""

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


def _refuse_second_ticket(window: WindowRef, held_id: int, number: str, state: str) -> None:
    """Answer 409 naming the ticket the window still holds (``details.held``: it as a ticket object)."""
    held = db.session.execute(_WITH_LABELS.where(Ticket.id == held_id)).scalar_one()
    doing = "正在办理" if state == "serving" else "已叫号待办理"
    raise Conflict(
        f"本窗口的{number}号{doing}，请先办结、过号或转出该号，再叫下一号",
        {"window": window.id, "ticket": held_id, "number": number, "state": state,
         "held": [ticket_view(held)]},
    )


def call_next(window_id: int, actor: User) -> CalledTicket | None:
    """Call the window's next ticket: priority first, then the longest in line. None when nobody waits.

    A window holds one citizen at a time: while its last ticket is still called or being served,
    call-next answers 409 naming that ticket (a double click calls nobody twice).
    """
    found = db.session.execute(_WINDOW, {"win": window_id}).first()
    if found is None:
        get_window(window_id)  # answers 404
    window = WindowRef(*found)
    policy.require(actor, "window.operate", hall_id=window.hall_id)
    if window.status != "open":
        raise Conflict("窗口未开放（已暂停或关闭），不能叫号", {"window": window.id, "status": window.status})
    at = clock.now()
    params = {"win": window.id, "day": at.date(), "at": at, "actor": actor.id}
    if _dialect() == "postgresql":
        row = db.session.execute(_CALL_NEXT, params).one()
        if row.held_id is not None:
            _refuse_second_ticket(window, row.held_id, row.held_number, row.held_state)
        if row.id is None:
            return None
        call_id = row.call_id
    else:
        held = db.session.execute(_HELD, params).first()
        if held is not None:
            _refuse_second_ticket(window, *held)
        row = db.session.execute(_TAKE_SQLITE, params).first()
        if row is None:
            return None
        call_id = db.session.execute(_RECORD, {
            "ticket_id": row.id, "trigger": "call", "from_state": _CALL_FROM, "to_state": row.state,
            "actor_id": actor.id, "window_id": window.id, "queue_id": row.queue_id, "at": at, "note": None,
        }).scalar_one()
        move_waiting(row.queue_id, at.date(), row.lane, -1, slot=window.id)
    if window.clerk_id != actor.id:
        db.session.execute(_SIGN_IN_CLERK, {"win": window.id, "clerk": actor.id})
    hall = HallRef(row.hall_id, row.hall_code)
    ticket = CalledTicket(
        id=row.id, hall=hall, queue=QueueRef(row.queue_id, row.queue_code, row.queue_name, hall),
        window=window,
        number=row.number, lane=row.lane, priority_reason=row.priority_reason, state=row.state,
        issued_at=row.issued_at, called_at=row.called_at, recalls=row.recalls,
    )
    events.ticket_called(ticket, call_id)
    events.ticket_changed(ticket)
    events.queue_changed(ticket.queue)
    return ticket


# --- the clerk's other triggers ---

# A ticket with what its view and events show (one query, no lazy loads).
_WITH_LABELS = select(Ticket).options(joinedload(Ticket.hall), joinedload(Ticket.queue),
                                      joinedload(Ticket.window))
# The same, re-read under the ticket's row lock.
_LOCKED = (
    _WITH_LABELS
    .where(Ticket.id == bindparam("id"))
    .with_for_update(of=_TICKETS, key_share=True)
    .execution_options(populate_existing=True)
)


def lock_ticket(ticket: Ticket) -> Ticket:
    """Re-read a ticket under its row lock (PostgreSQL; SQLite's write lock is held already)."""
    return db.session.execute(_LOCKED, {"id": ticket.id}).scalar_one()


def fire_ticket_trigger(ticket: Ticket, trigger: str, actor: User,
                        target_queue_code: str | None = None) -> Ticket:
    """Fire a clerk's trigger (recall, start, finish, no_show, requeue, transfer, cancel) on a ticket.

    The ticket is taken under its row lock and its state checked after locking, so of simultaneous
    triggers on one ticket one fires and the others answer 409.
    """
    ticket = lock_ticket(ticket)
    allowed = [name for name in ticket_flow.allowed_triggers(ticket.state)
               if name in ticket_flow.CLERK_TRIGGERS]
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
    count_waiting_change(ticket, before)
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


# --- counts and views ---


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
    tickets = _TICKETS
    lane, ticket_id = bindparam("lane"), bindparam("id")
    queued_at = bindparam("queued_at", type_=UTCDateTime())
    earlier = or_(tickets.c.queued_at < queued_at,
                  and_(tickets.c.queued_at == queued_at, tickets.c.id < ticket_id))
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
    """Count the tickets of the same queue that will be called before this one.

    An index range scan of ``ix_tickets_call_order`` over the tickets ahead only: a ticket just
    issued knows its place from the tallies instead (``IssuedTicket.known_ahead``).
    """
    return db.session.execute(_WAITING_AHEAD, {
        "queue": ticket.queue_id, "day": ticket.service_date, "lane": ticket.lane,
        "queued_at": ticket.queued_at, "id": ticket.id,
    }).scalar_one()


def estimated_wait_s(queue: Queue | QueueRef, ahead: int) -> int:
    """Estimate the seconds until a ticket with `ahead` tickets before it is called (open windows' rate)."""
    return estimates.estimated_wait_s(queue, ahead)


def ticket_view(ticket: Ticket | IssuedTicket | CalledTicket) -> dict:
    """Render a ticket as the contract's ticket object."""
    ahead = est = None
    if ticket.state == "waiting":
        ahead = getattr(ticket, "known_ahead", None)
        if ahead is None:
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
    rows = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
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
