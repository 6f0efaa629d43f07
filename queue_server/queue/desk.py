"""The clerk's desk: what a window screen shows its clerk (current ticket, queues, today's figures)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue.models import HELD_STATES, Queue, Ticket, TicketEvent, Window
from queue_server.queue.tallies import QueueLine, waiting_lines


def held_tickets(window: Window) -> list[Ticket]:
    """Return every ticket the window holds (called or being served), the earliest call first."""
    return list(
        db.session.scalars(
            select(Ticket)
            .where(Ticket.window_id == window.id, Ticket.state.in_(HELD_STATES))
            .order_by(Ticket.called_at, Ticket.id)
        )
    )


def clerk_figures(clerk: User) -> dict:
    """Count what the clerk did today: served, no-shows, average wait and service time of their tickets."""
    day_start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)

    def tickets_by(trigger: str):
        return (
            select(TicketEvent.ticket_id)
            .where(
                TicketEvent.actor_id == clerk.id, TicketEvent.trigger == trigger, TicketEvent.at >= day_start
            )
            .scalar_subquery()
        )

    served = db.session.execute(
        select(Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.finished_at).where(
            Ticket.id.in_(tickets_by("finish"))
        )
    ).all()
    no_show = db.session.scalar(
        select(func.count())
        .select_from(TicketEvent)
        .where(
            TicketEvent.actor_id == clerk.id, TicketEvent.trigger == "no_show", TicketEvent.at >= day_start
        )
    )
    waits = [(called - issued).total_seconds() for issued, called, _, _ in served if called]
    services = [
        (finished - started).total_seconds() for _, _, started, finished in served if started and finished
    ]
    return {
        "served": len(served),
        "no_show": no_show,
        "avg_wait_s": round(sum(waits) / len(waits)) if waits else None,
        "avg_service_s": round(sum(services) / len(services)) if services else None,
    }


@dataclass(frozen=True)
class Desk:
    """What a window's clerk screen shows: the window, the tickets it holds, its lines, the clerk's day."""

    window: Window
    # Every ticket the window holds, for the clerk screen after a reconnect (one, unless left over).
    held: list[Ticket]
    queues: list[QueueLine]
    today: dict

    @property
    def current(self) -> Ticket | None:
        return self.held[-1] if self.held else None

    @property
    def transfer_queues(self) -> list[Queue]:
        return self.window.hall.queues


def clerk_desk(window: Window, clerk: User) -> Desk:
    """Read the window's desk for its clerk."""
    policy.require(clerk, "window.operate", hall_id=window.hall_id)
    return Desk(window, held_tickets(window), waiting_lines(window.queues), clerk_figures(clerk))
