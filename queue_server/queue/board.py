"""The display board: the hall's latest calls and waiting counts, as one snapshot."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue.models import Hall, Ticket, TicketEvent, Window
from queue_server.queue.tallies import waiting_counts
from queue_server.realtime.events import current_seq

BOARD_CALLS = 10


def announce_text(number: str, window: Window) -> str:
    """Word the call as it is read out: 请A001号到3号窗口办理."""
    return f"请{number}号到{window.number}号窗口办理"


def call_view(ticket: Ticket, window: Window, call_id: int) -> dict:
    """Render one call of a ticket at a window, as the board and the ticket_called event show it.

    ``call_id`` is the id of the call's history row: unique per call and recall, and growing, so a
    screen can tell a call it has already announced from a new one.
    """
    return {
        "call_id": call_id,
        "number": ticket.number,
        "queue": ticket.queue.code,
        "window_number": window.number,
        "window_name": window.name,
        "called_at": clock.to_hall_iso(ticket.called_at),
        "recalls": ticket.recalls,
        "announce": announce_text(ticket.number, window),
    }


def board_snapshot(hall: Hall) -> dict:
    """Build the board: newest call first, one row per ticket, and the waiting count of every queue."""
    seq = current_seq(hall.code)  # read before the data, so a change racing this read is re-sent, not lost
    day_start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    recent = db.session.execute(
        select(TicketEvent, Ticket)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .options(joinedload(Ticket.queue))
        .where(
            Ticket.hall_id == hall.id,
            TicketEvent.trigger.in_(("call", "recall")),
            TicketEvent.at >= day_start,
        )
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(BOARD_CALLS * 4)
    ).all()
    windows = {window.id: window for window in hall.windows}
    calls, shown = [], set()
    for event, ticket in recent:
        if ticket.id in shown or event.window_id not in windows:
            continue
        shown.add(ticket.id)
        calls.append(call_view(ticket, windows[event.window_id], event.id))
        if len(calls) == BOARD_CALLS:
            break
    counts = waiting_counts(queue.id for queue in hall.queues)
    return {
        "hall": hall.code,
        "hall_name": hall.name,
        "seq": seq,
        "calls": calls,
        "queues": [{"code": q.code, "name": q.name, "waiting": counts.get(q.id, 0)} for q in hall.queues],
    }
