"""The clerk's triggers on the ticket at the window (recall, start, finish, no_show), one statement each.

Every call of a ticket is followed by one of these, so they are half of a hall's busiest requests and,
like call-next, stay off the ORM: an UPDATE takes the ticket only in the trigger's source state, marks
it as the machine's callback would, and returns what the answer and the events show; on PostgreSQL the
same statement also records the history row. The UPDATE holds the ticket's row lock, so of two
simultaneous triggers on one ticket one fires; the other finds the ticket in another state and goes the
ORM way (``tickets.fire_ticket_trigger``), which answers 409, or 404 for a ticket that does not exist.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, insert, literal, select, update

from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.db import UTCDateTime
from queue_server.extensions import db
from queue_server.queue.models import HELD_STATES, Ticket
from queue_server.queue.tallies import _EVENTS, _HALLS, _QUEUES, _TICKETS, _WINDOWS, _dialect
from queue_server.queue.tickets import (
    _RECORD,
    HallRef,
    QueueRef,
    WindowRef,
    _Lane,
    fire_ticket_trigger,
    record_trigger_facts,
    ticket_by_id,
)
from workflows import ticket as ticket_flow

_AT = bindparam("at", type_=UTCDateTime())

# What each trigger's callback in workflows/ticket.py does to the ticket, as SET clauses
# (tests/queue/test_serving.py holds the two to the same result).
CALLBACK_SETS = {
    "recall": {"recalls": _TICKETS.c.recalls + 1},
    "start": {"started_at": _AT},
    "finish": {"finished_at": _AT},
    "no_show": {},
}
WINDOW_TRIGGERS = tuple(CALLBACK_SETS)


def _source_and_dest(trigger: str) -> tuple[str, str]:
    """Read the trigger's one source state and its destination from the ticket machine."""
    ((source, transitions),) = ticket_flow.machine.events[trigger].transitions.items()
    (dest,) = {transition.dest for transition in transitions}
    return source, dest


_MARKED = (
    _TICKETS.c.id,
    _TICKETS.c.hall_id,
    _TICKETS.c.queue_id,
    _TICKETS.c.window_id,
    _TICKETS.c.number,
    _TICKETS.c.lane,
    _TICKETS.c.priority_reason,
    _TICKETS.c.phone,
    _TICKETS.c.state,
    _TICKETS.c.issued_at,
    _TICKETS.c.called_at,
    _TICKETS.c.recalls,
)
_LABELS = (
    _HALLS.c.code.label("hall_code"),
    _QUEUES.c.code.label("queue_code"),
    _QUEUES.c.name.label("queue_name"),
    _WINDOWS.c.hall_id.label("window_hall_id"),
    _WINDOWS.c.number.label("window_number"),
    _WINDOWS.c.name.label("window_name"),
    _WINDOWS.c.status.label("window_status"),
    _WINDOWS.c.clerk_id.label("window_clerk_id"),
)


def _mark(trigger: str, by: str):
    """Build the UPDATE that fires the trigger on a ticket held by a window, returning the marked row.

    ``by`` says how the ticket is named: ``ticket`` (its id) or ``window`` (the one the window holds).
    """
    source, dest = _source_and_dest(trigger)
    which = (
        _TICKETS.c.id == bindparam("ticket", type_=Integer)
        if by == "ticket"
        else _TICKETS.c.window_id == bindparam("win", type_=Integer)
    )
    return (
        update(_TICKETS)
        .where(which, _TICKETS.c.state == source, _TICKETS.c.window_id.is_not(None))
        .values(state=dest, **CALLBACK_SETS[trigger])
        .returning(*_MARKED)
    )


def _with_labels(rows):
    """Select the marked rows with their hall, queue and window, as the answer and events show them."""
    return (
        select(rows, *_LABELS)
        .join(_HALLS, _HALLS.c.id == rows.c.hall_id)
        .join(_QUEUES, _QUEUES.c.id == rows.c.queue_id)
        .join(_WINDOWS, _WINDOWS.c.id == rows.c.window_id)
    )


def history_cte(changed, trigger: str, source: str, window_id, at):
    """Insert the history row of the ticket a CTE changed (actor: ``:actor``); its id, as CTE ``history``."""
    return (
        insert(_EVENTS)
        .from_select(
            ["ticket_id", "trigger", "from_state", "to_state", "actor_id", "window_id", "queue_id", "at"],
            select(
                changed.c.id,
                literal(trigger, String).label("trigger"),
                literal(source, String).label("from_state"),
                changed.c.state,
                bindparam("actor", type_=Integer).label("actor_id"),
                window_id.label("window_id"),
                changed.c.queue_id,
                at.label("at"),
            ),
        )
        .returning(_EVENTS.c.id)
        .cte("history")
    )


def _postgresql_statement(trigger: str, by: str):
    """Build PostgreSQL's one statement: mark the ticket, record its history row, read its labels."""
    source, _ = _source_and_dest(trigger)
    marked = _mark(trigger, by).cte("marked")
    history = history_cte(marked, trigger, source, marked.c.window_id, _AT)
    labelled = _with_labels(marked).subquery("labelled")
    return select(labelled, history.c.id.label("change_id")).join(history, labelled.c.id.is_not(None))


_BY = ("ticket", "window")
_STATEMENTS = {
    "postgresql": {(t, by): _postgresql_statement(t, by) for t in WINDOW_TRIGGERS for by in _BY},
    "sqlite": {(t, by): _mark(t, by) for t in WINDOW_TRIGGERS for by in _BY},
}
_LABELLED = _with_labels(select(*_MARKED).where(_TICKETS.c.id == bindparam("ticket")).subquery("marked"))


@dataclass(frozen=True)
class WindowTicket(_Lane):
    """A ticket at a window as one statement returned it: reads like a Ticket for TicketOut and events."""

    id: int
    hall: HallRef
    queue: QueueRef
    window: WindowRef
    number: str
    lane: int
    priority_reason: str | None
    phone: str | None
    state: str
    issued_at: datetime
    called_at: datetime | None
    recalls: int

    @classmethod
    def from_row(cls, row, window: WindowRef | None = None) -> "WindowTicket":
        """Build it from a statement's row; the window from its ``window_*`` columns unless given."""
        hall = HallRef(row.hall_id, row.hall_code)
        if window is None:
            window = WindowRef(
                row.window_id,
                row.window_hall_id,
                row.window_number,
                row.window_name,
                row.window_status,
                row.window_clerk_id,
            )
        return cls(
            id=row.id,
            hall=hall,
            queue=QueueRef(row.queue_id, row.queue_code, row.queue_name, hall),
            window=window,
            number=row.number,
            lane=row.lane,
            priority_reason=row.priority_reason,
            phone=getattr(row, "phone", None),
            state=row.state,
            issued_at=row.issued_at,
            called_at=row.called_at,
            recalls=row.recalls,
        )


def fire_at_window(
    trigger: str, actor: User, *, ticket_id: int | None = None, window_id: int | None = None
) -> tuple[WindowTicket, int] | None:
    """Fire a window trigger in one statement on a ticket, or on the one a window holds.

    Return the ticket and its history row's id; None when no such ticket is in the trigger's source
    state at a window: nothing changed, and the caller takes the ORM path, which says why.
    """
    at = clock.now()
    by = "ticket" if window_id is None else "window"
    params = {"ticket": ticket_id, "win": window_id, "at": at, "actor": actor.id}
    if _dialect() == "postgresql":
        row = db.session.execute(_STATEMENTS["postgresql"][trigger, by], params).first()
        if row is None:
            return None
        change_id = row.change_id
    else:
        marked = db.session.execute(_STATEMENTS["sqlite"][trigger, by], params).first()
        if marked is None:
            return None
        params["ticket"] = marked.id
        source, _ = _source_and_dest(trigger)
        change_id = db.session.execute(
            _RECORD,
            {
                "ticket_id": marked.id,
                "trigger": trigger,
                "from_state": source,
                "to_state": marked.state,
                "actor_id": actor.id,
                "window_id": marked.window_id,
                "queue_id": marked.queue_id,
                "at": at,
                "note": None,
            },
        ).scalar_one()
        row = db.session.execute(_LABELLED, params).one()
    # Checked after the change: a refusal raises, and the request's transaction is rolled back.
    policy.require(actor, "window.operate", hall_id=row.hall_id)
    return WindowTicket.from_row(row), change_id


def fire_clerk_trigger(
    ticket_id: int, trigger: str, actor: User, target_queue_code: str | None = None
) -> Ticket | WindowTicket:
    """Fire a clerk's trigger on a ticket: the window's four in one statement, the others by the ORM."""
    if trigger in WINDOW_TRIGGERS:
        fired = fire_at_window(trigger, actor, ticket_id=ticket_id)
        if fired is not None:
            ticket, change_id = fired
            record_trigger_facts(ticket, trigger, change_id)
            return ticket
    return fire_ticket_trigger(ticket_by_id(ticket_id), trigger, actor, target_queue_code=target_queue_code)


def release_held_ticket(window_id: int, trigger: str, actor: User) -> None:
    """Let the ticket a window holds go (finish or no_show) before its next call; nothing if none is held."""
    fired = fire_at_window(trigger, actor, window_id=window_id)
    if fired is not None:
        record_trigger_facts(fired[0], trigger, fired[1])
        return
    held = db.session.scalar(
        select(_TICKETS.c.id).where(_TICKETS.c.window_id == window_id, _TICKETS.c.state.in_(HELD_STATES))
    )
    if held is not None:
        fire_clerk_trigger(held, trigger, actor)  # not in the trigger's source state: answers 409
