"""The clerk's desk: what a window screen shows its clerk (current ticket, queues, today's figures)."""

from sqlalchemy import func, select

from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue.halls import window_view
from queue_server.queue.models import HELD_STATES, Ticket, TicketEvent, Window
from queue_server.queue.tallies import waiting_counts
from queue_server.queue.tickets import ticket_view


def held_tickets(window: Window) -> list[Ticket]:
    """Return every ticket the window holds (called or being served), the earliest call first."""
    return list(db.session.scalars(
        select(Ticket)
        .where(Ticket.window_id == window.id, Ticket.state.in_(HELD_STATES))
        .order_by(Ticket.called_at, Ticket.id)
    ))


def clerk_figures(clerk: User) -> dict:
    """Count what the clerk did today: served, no-shows, average wait and service time of their tickets."""
    day_start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)

    def tickets_by(trigger: str):
        return (
            select(TicketEvent.ticket_id)
            .where(TicketEvent.actor_id == clerk.id, TicketEvent.trigger == trigger,
                   TicketEvent.at >= day_start)
            .scalar_subquery()
        )

    served = db.session.execute(
        select(Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.finished_at)
        .where(Ticket.id.in_(tickets_by("finish")))
    ).all()
    no_show = db.session.scalar(
        select(func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.actor_id == clerk.id, TicketEvent.trigger == "no_show",
               TicketEvent.at >= day_start)
    )
    waits = [(called - issued).total_seconds() for issued, called, _, _ in served if called]
    services = [(finished - started).total_seconds()
                for _, _, started, finished in served if started and finished]
    return {
        "served": len(served),
        "no_show": no_show,
        "avg_wait_s": round(sum(waits) / len(waits)) if waits else None,
        "avg_service_s": round(sum(services) / len(services)) if services else None,
    }


def desk_view(window: Window, clerk: User) -> dict:
    """Render the window's desk for its clerk."""
    policy.require(clerk, "window.operate", hall_id=window.hall_id)
    counts = waiting_counts(queue.id for queue in window.queues)
    held = [ticket_view(ticket) for ticket in held_tickets(window)]
    return {
        "window": window_view(window),
        "current": held[-1] if held else None,
        # Every ticket the window holds, for the clerk screen after a reconnect (one, unless left over).
        "held": held,
        "queues": [{"code": q.code, "name": q.name, "waiting": counts.get(q.id, 0)} for q in window.queues],
        "transfer_queues": [{"code": q.code, "name": q.name} for q in window.hall.queues],
        "today": clerk_figures(clerk),
    }
