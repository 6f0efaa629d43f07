"""The display board: the hall's latest calls and waiting counts, as one snapshot."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from queue_server.calendar import clock
from queue_server.cases.models import Case, CaseEvent
from queue_server.cases.queries import mask_name
from queue_server.extensions import db
from queue_server.queue.models import Hall, Ticket, TicketEvent, Window
from queue_server.queue.tallies import QueueLine, waiting_lines
from queue_server.realtime.seq import current_seq

BOARD_CALLS = 10
BOARD_READY = 30


@dataclass(frozen=True)
class Call:
    """One call of a ticket at a window; ``id`` is the call's history row (``CallOut.call_id``)."""

    id: int
    ticket: Ticket
    window: Window


@dataclass(frozen=True)
class Board:
    """What the board shows: the hall, its event number, the latest calls and every queue's line."""

    hall: Hall
    seq: int
    calls: list[Call]
    queues: list[QueueLine]
    ready: list["ReadyCase"]


class ReadyCase:
    """办结公示: a result waiting at its pickup window, as the board shows it (the applicant masked)."""

    def __init__(self, case: Case, ready_at: datetime | None = None) -> None:
        self.case_no = case.case_no
        self.applicant = mask_name(case.applicant_name)
        self.service = case.service.code
        self.service_name = case.service.name
        self.ready_at = ready_at if ready_at is not None else clock.now()


def ready_cases(hall: Hall) -> list[ReadyCase]:
    """List the results waiting at the hall's pickup window (a bundle's parts go with it), newest first."""
    # When each came to the window: its newest move to ready_for_pickup (read for these cases only).
    ready_at = (
        select(func.max(CaseEvent.at))
        .where(CaseEvent.case_id == Case.id, CaseEvent.to_state == "ready_for_pickup")
        .correlate(Case)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Case, ready_at.label("ready_at"))
        .options(joinedload(Case.service))
        .where(
            Case.delivery_hall_id == hall.id,
            Case.state == "ready_for_pickup",
            Case.parent_id.is_(None),
        )
        .order_by(ready_at.desc(), Case.id.desc())
        .limit(BOARD_READY)
    ).all()
    return [ReadyCase(case, at) for case, at in rows]


def hall_board(hall: Hall) -> Board:
    """Read the board: newest call first, one row per ticket, and the waiting count of every queue."""
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
        calls.append(Call(event.id, ticket, windows[event.window_id]))
        if len(calls) == BOARD_CALLS:
            break
    return Board(hall, seq, calls, waiting_lines(hall.queues), ready_cases(hall))
