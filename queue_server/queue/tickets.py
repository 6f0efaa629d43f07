"""Ticket operations: issue a number, and every other step of the ticket machine (call-next: ``calling``).

Operations flush but never commit; they take the acting user and check what that user may do.

The two busiest requests of a hall stay off the ORM: issuing a ticket and calling the next one are
Core statements (on PostgreSQL one statement each, plus the window's row lock for a call), and
waiting counts are read from tallies kept in the same transactions (``WaitingTally``), never counted
over the line.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.citizen.models import ServiceItem
from queue_server.db import UTCDateTime, next_in_sequence
from queue_server.errors import InvalidRequest, InvalidTransition, NotFound
from queue_server.extensions import db
from queue_server.notify.rating_links import invite_ticket_rating
from queue_server.queue.halls import queue_in_body
from queue_server.queue.hours import ensure_issuing
from queue_server.queue.models import (
    NORMAL_LANE,
    PRIORITY_LANE,
    Hall,
    Ticket,
    TicketCounter,
    TicketEvent,
    Window,
)
from queue_server.queue.schemas import TicketRequest
from queue_server.queue.tallies import (
    _COUNTERS,
    _EVENTS,
    _TALLIES,
    _TICKETS,
    SHARED_SLOT,
    _dialect,
    _tally_upsert,
    count_waiting_change,
    move_waiting,
)
from workflows import ticket as ticket_flow

if TYPE_CHECKING:
    pass

# --- references that read like the ORM objects, for answers and events, without loading them ---


@dataclass(frozen=True)
class HallRef:
    """The hall a ticket belongs to, as far as answers and events need it."""

    id: int
    code: str


@dataclass(frozen=True)
class QueueRef:
    """The queue a ticket belongs to, as far as answers and events need it."""

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


# --- issue ---


@dataclass(frozen=True)
class IssuedTicket(_Lane):
    """A ticket just issued, as the issuing statements returned it: reads like a Ticket for TicketOut."""

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

    # As a Ticket reads them: the ids of its hall and queue, and when it joined the line.
    hall_id = property(lambda ticket: ticket.hall.id)
    queue_id = property(lambda ticket: ticket.queue.id)
    queued_at = property(lambda ticket: ticket.issued_at)


def _ahead_in_tallies(lane):
    """Sum the tally rows of the lanes called before or with `lane`, except `lane`'s shared row."""
    return (
        select(func.coalesce(func.sum(_TALLIES.c.waiting), 0))
        .where(
            _TALLIES.c.queue_id == bindparam("queue"),
            _TALLIES.c.service_date == bindparam("day"),
            _TALLIES.c.lane <= lane,
            or_(_TALLIES.c.lane != lane, _TALLIES.c.slot != SHARED_SLOT),
        )
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
        .on_conflict_do_update(
            index_elements=[_COUNTERS.c.queue_id, _COUNTERS.c.service_date],
            set_={"last_seq": _COUNTERS.c.last_seq + 1},
        )
        .returning(_COUNTERS.c.last_seq)
        .cte("counter")
    )
    seq = cast(counter.c.last_seq, String)
    columns = {
        "hall_id": bindparam("hall", type_=Integer),
        "queue_id": queue,
        "origin_queue_id": queue,
        "service_id": bindparam("service", type_=Integer),
        "service_date": day,
        "number": bindparam("prefix", type_=String) + func.lpad(seq, func.greatest(3, func.length(seq)), "0"),
        "state": literal("waiting"),
        "lane": lane,
        "priority_reason": bindparam("reason", type_=String),
        "phone": bindparam("phone", type_=String),
        "issued_at": at,
        "queued_at": at,
        "recalls": literal(0),
    }
    ticket = (
        insert(_TICKETS)
        .from_select(
            list(columns),
            select(*(value.label(name) for name, value in columns.items())).select_from(counter),
        )
        .returning(_TICKETS.c.id, _TICKETS.c.number)
        .cte("ticket")
    )
    history = (
        insert(_EVENTS)
        .from_select(
            ["ticket_id", "trigger", "to_state", "queue_id", "at"],
            select(
                ticket.c.id,
                literal("issue").label("trigger"),
                literal("waiting").label("to_state"),
                queue.label("queue_id"),
                at.label("at"),
            ),
        )
        .cte("history")
    )
    tally = (
        _tally_upsert(
            "postgresql",
            select(
                queue.label("queue_id"),
                day.label("service_date"),
                lane.label("lane"),
                literal(SHARED_SLOT).label("slot"),
                literal(1).label("waiting"),
            ),
        )
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
    _TALLIES.c.queue_id == bindparam("queue"),
    _TALLIES.c.service_date == bindparam("day"),
    _TALLIES.c.lane <= bindparam("lane"),
)


def issue_ticket(hall: Hall, req: TicketRequest) -> IssuedTicket:
    """Take a number in a queue of the hall (at a kiosk or online)."""
    queue = queue_in_body(hall, req.queue)
    ensure_issuing(hall)  # the hall's hours and 取号截止 (queue_server/queue/hours.py)
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
        row = db.session.execute(
            _ISSUE,
            {
                "hall": hall.id,
                "queue": queue.id,
                "service": service_id,
                "day": day,
                "prefix": queue.prefix,
                "lane": lane,
                "reason": req.priority_reason,
                "phone": req.phone,
                "at": at,
            },
        ).one()
        ticket_id, number, in_line = row.id, row.number, row.in_line
    else:  # SQLite: the same steps one by one, under the request's write lock
        number = f"{queue.prefix}{next_in_sequence(TicketCounter, queue_id=queue.id, service_date=day):03d}"
        ticket_id = db.session.execute(
            _INSERT_TICKET,
            {
                "hall_id": hall.id,
                "queue_id": queue.id,
                "origin_queue_id": queue.id,
                "service_id": service_id,
                "service_date": day,
                "number": number,
                "state": "waiting",
                "lane": lane,
                "priority_reason": req.priority_reason,
                "phone": req.phone,
                "issued_at": at,
                "queued_at": at,
                "recalls": 0,
            },
        ).scalar_one()
        db.session.execute(
            _RECORD,
            {
                "ticket_id": ticket_id,
                "trigger": "issue",
                "from_state": None,
                "to_state": "waiting",
                "actor_id": None,
                "window_id": None,
                "queue_id": queue.id,
                "at": at,
                "note": None,
            },
        )
        move_waiting(queue.id, day, lane, 1)
        in_line = db.session.execute(_IN_LINE, {"queue": queue.id, "day": day, "lane": lane}).scalar_one()
    hall_ref = HallRef(hall.id, hall.code)
    queue_ref = QueueRef(queue.id, queue.code, queue.name, hall_ref)
    outbox.record("queue_changed", queue_ref)
    return IssuedTicket(
        id=ticket_id,
        hall=hall_ref,
        queue=queue_ref,
        number=number,
        lane=lane,
        priority_reason=req.priority_reason,
        issued_at=at,
        service_date=day,
        known_ahead=max(0, int(in_line) - 1),
    )


# --- the clerk's other triggers ---

# A ticket with what its answer and events show (one query, no lazy loads).
_WITH_LABELS = select(Ticket).options(
    joinedload(Ticket.hall), joinedload(Ticket.queue), joinedload(Ticket.window)
)
# The same, re-read under the ticket's row lock.
_LOCKED = (
    _WITH_LABELS.where(Ticket.id == bindparam("id"))
    .with_for_update(of=_TICKETS, key_share=True)
    .execution_options(populate_existing=True)
)


def ticket_by_id(ticket_id: int) -> Ticket:
    """Return a ticket by its id, or answer 404."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"号票不存在：{ticket_id}", {"ticket": ticket_id})
    return ticket


def lock_ticket(ticket: Ticket) -> Ticket:
    """Re-read a ticket under its row lock (PostgreSQL; SQLite's write lock is held already)."""
    return db.session.execute(_LOCKED, {"id": ticket.id}).scalar_one()


def fire_ticket_trigger(
    ticket: Ticket, trigger: str, actor: User, target_queue_code: str | None = None
) -> Ticket:
    """Fire a clerk's trigger (recall, start, finish, no_show, requeue, transfer, cancel) on a ticket.

    The ticket is taken under its row lock and its state checked after locking, so of simultaneous
    triggers on one ticket one fires and the others answer 409.
    """
    ticket = lock_ticket(ticket)
    allowed = [
        name for name in ticket_flow.allowed_triggers(ticket.state) if name in ticket_flow.CLERK_TRIGGERS
    ]
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
        outbox.record("ticket_changed", ticket)
        outbox.record("queue_changed", source)
        outbox.record("queue_changed", target)
        return ticket

    change = _fire(ticket, trigger, actor, window=ticket.window)
    record_trigger_facts(ticket, trigger, change.id)
    return ticket


def record_trigger_facts(ticket, trigger: str, change_id: int) -> None:
    """Record what a clerk's trigger changed for the screens (a recall is a call again)."""
    outbox.record("ticket_changed", ticket)
    if trigger == "recall":
        outbox.record("ticket_called", ticket, change_id)
    if trigger in ("requeue", "cancel"):
        outbox.record("queue_changed", ticket.queue)
    if trigger == "finish":  # 好差评: the applicant who left a phone gets a link that rates it
        invite_ticket_rating(ticket)


def set_window_status(window: Window, status: str, actor: User) -> Window:
    """Open, pause or close a window; opening it signs the clerk in at it."""
    policy.require(actor, "window.operate", hall_id=window.hall_id)
    window.status = status
    window.clerk = None if status == "closed" else actor.record()  # the row, not a token's principal
    db.session.flush()
    outbox.record("window_changed", window)
    return window


def _fire(ticket: Ticket, trigger: str, actor: User, window: Window | None = None, **kwargs) -> TicketEvent:
    at = clock.now()
    before = ticket_flow.fire(ticket, trigger, at=at, window=window, **kwargs)
    count_waiting_change(ticket, before)
    change = record_change(ticket, trigger, before, actor, at, window_id=window.id if window else None)
    db.session.flush()
    return change


def record_change(
    ticket: Ticket, trigger: str, before: str | None, actor: User | None, at, *, window_id=None, note=None
) -> TicketEvent:
    """Add a row to the ticket's append-only history."""
    # After a transfer, ticket.queue is the queue it moved to (queue_id is only set at the flush).
    change = TicketEvent.of(
        ticket,
        trigger,
        before,
        actor,
        at,
        note,
        ticket_id=ticket.id,
        window_id=window_id,
        queue_id=ticket.queue.id,
    )
    db.session.add(change)
    return change


# --- counts and lookups ---


def _ahead_statement():
    tickets = _TICKETS
    lane, ticket_id = bindparam("lane"), bindparam("id")
    queued_at = bindparam("queued_at", type_=UTCDateTime())
    earlier = or_(
        tickets.c.queued_at < queued_at, and_(tickets.c.queued_at == queued_at, tickets.c.id < ticket_id)
    )
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
    ticket = db.session.scalar(
        select(Ticket).where(
            Ticket.hall_id == hall.id, Ticket.service_date == clock.today(), Ticket.number == number
        )
    )
    if ticket is None:
        raise NotFound(f"今日没有 {number} 号的号票，请核对号码", {"number": number})
    return ticket


def waiting_ahead(ticket: Ticket) -> int:
    """Count the tickets of the same queue that will be called before this one.

    An index range scan of ``ix_tickets_call_order`` over the tickets ahead only: a ticket just
    issued knows its place from the tallies instead (``IssuedTicket.known_ahead``).
    """
    return db.session.execute(
        _WAITING_AHEAD,
        {
            "queue": ticket.queue_id,
            "day": ticket.service_date,
            "lane": ticket.lane,
            "queued_at": ticket.queued_at,
            "id": ticket.id,
        },
    ).scalar_one()


def ticket_history(ticket: Ticket) -> list[TicketEvent]:
    """Return the ticket's recorded changes, oldest first."""
    return list(
        db.session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
    )
