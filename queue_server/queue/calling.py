"""Call-next: one statement takes the next ticket of a window's queues and marks it called."""

from sqlalchemy import (
    Date,
    Integer,
    bindparam,
    exists,
    func,
    literal,
    select,
    true,
    update,
)

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.db import UTCDateTime
from queue_server.errors import Conflict
from queue_server.extensions import db
from queue_server.queue.answers import TicketOut
from queue_server.queue.halls import get_window
from queue_server.queue.models import (
    HELD_STATES,
    Ticket,
    window_queues,
)
from queue_server.queue.serving import WindowTicket, history_cte, release_held_ticket
from queue_server.queue.tallies import (
    _HALLS,
    _QUEUES,
    _TICKETS,
    _WINDOWS,
    _dialect,
    _tally_upsert,
    move_waiting,
)
from queue_server.queue.tickets import _RECORD, _WITH_LABELS, WindowRef
from workflows import ticket as ticket_flow

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
    # Within a queue: priority tickets first (绿色通道), then the longest in line. Across the window's
    # queues, after priority, the order the administrator gave them (window_queues.position).
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
            .order_by(head.c.lane, window_queues.c.position, head.c.queued_at, head.c.id)
            .limit(1)
        )
    else:
        # SQLite has no row locks; there the request's BEGIN IMMEDIATE serializes callers instead.
        next_id = (
            select(tickets.c.id)
            .join(window_queues, window_queues.c.queue_id == tickets.c.queue_id)
            .where(window_queues.c.window_id == bindparam("win"), *in_line)
            .order_by(tickets.c.lane, window_queues.c.position, tickets.c.queued_at, tickets.c.id)
            .limit(1)
        )
    return (
        update(tickets)
        .where(tickets.c.id == next_id.scalar_subquery(), tickets.c.state == _CALL_FROM)
        .values(
            state=_CALL_TO,
            window_id=bindparam("win"),
            called_at=func.coalesce(tickets.c.called_at, bindparam("at", type_=UTCDateTime())),
        )
        .returning(
            tickets.c.id,
            tickets.c.hall_id,
            tickets.c.queue_id,
            tickets.c.number,
            tickets.c.lane,
            tickets.c.priority_reason,
            tickets.c.state,
            tickets.c.issued_at,
            tickets.c.called_at,
            tickets.c.recalls,
            select(_HALLS.c.code)
            .where(_HALLS.c.id == tickets.c.hall_id)
            .scalar_subquery()
            .label("hall_code"),
            select(_QUEUES.c.code)
            .where(_QUEUES.c.id == tickets.c.queue_id)
            .scalar_subquery()
            .label("queue_code"),
            select(_QUEUES.c.name)
            .where(_QUEUES.c.id == tickets.c.queue_id)
            .scalar_subquery()
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
    history = history_cte(taken, "call", _CALL_FROM, win, at)
    tally = _tally_upsert(
        "postgresql",
        select(
            taken.c.queue_id,
            day.label("service_date"),
            taken.c.lane,
            win.label("slot"),
            literal(-1).label("waiting"),
        ),
    ).cte("tally")
    one = select(literal(1).label("one")).subquery("one")
    return (
        select(
            held.c.id.label("held_id"),
            held.c.number.label("held_number"),
            held.c.state.label("held_state"),
            *(column for column in taken.c),
            history.c.id.label("call_id"),
        )
        .select_from(one.outerjoin(held, true()).outerjoin(taken.join(history, true()), true()))
        .add_cte(tally)
    )


_CALL_NEXT = _call_statement()
_TAKE_SQLITE = _take_statement("sqlite")


def _refuse_second_ticket(window: WindowRef, held_id: int, number: str, state: str) -> None:
    """Answer 409 naming the ticket the window still holds (``details.held``: it as a ticket object)."""
    held = db.session.execute(_WITH_LABELS.where(Ticket.id == held_id)).scalar_one()
    doing = "正在办理" if state == "serving" else "已叫号待办理"
    raise Conflict(
        f"本窗口的{number}号{doing}，请先办结、过号或转出该号，再叫下一号",
        {
            "window": window.id,
            "ticket": held_id,
            "number": number,
            "state": state,
            "held": [TicketOut.model_validate(held).model_dump(mode="json")],
        },
    )


def call_next(window_id: int, actor: User, release: str | None = None) -> WindowTicket | None:
    """Call the window's next ticket: priority, the window's queue order, the longest in line; None if none.

    A window holds one citizen at a time: while its last ticket is still called or being served,
    call-next answers 409 naming that ticket (a double click calls nobody twice), unless the clerk
    asks to ``release`` it first (``finish`` or ``no_show``, fired in the same transaction).
    """
    found = db.session.execute(_WINDOW, {"win": window_id}).first()
    if found is None:
        get_window(window_id)  # answers 404
    window = WindowRef(*found)
    policy.require(actor, "window.operate", hall_id=window.hall_id)
    if window.status != "open":
        raise Conflict("窗口未开放（已暂停或关闭），不能叫号", {"window": window.id, "status": window.status})
    if release is not None:
        release_held_ticket(window.id, release, actor)
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
        call_id = db.session.execute(
            _RECORD,
            {
                "ticket_id": row.id,
                "trigger": "call",
                "from_state": _CALL_FROM,
                "to_state": row.state,
                "actor_id": actor.id,
                "window_id": window.id,
                "queue_id": row.queue_id,
                "at": at,
                "note": None,
            },
        ).scalar_one()
        move_waiting(row.queue_id, at.date(), row.lane, -1, slot=window.id)
    if window.clerk_id != actor.id:
        db.session.execute(_SIGN_IN_CLERK, {"win": window.id, "clerk": actor.id})
    ticket = WindowTicket.from_row(row, window)
    # No ticket_changed here: ticket_called says the same to every screen (a notice less per subscriber).
    outbox.record("ticket_called", ticket, call_id)
    outbox.record("queue_changed", ticket.queue)
    return ticket
