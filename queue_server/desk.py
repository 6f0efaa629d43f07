"""The clerk's desk: what a window screen shows its clerk (current ticket, queues, today's figures)."""

from sqlalchemy import func, select

from . import clock, policy
from .halls import window_view
from .extensions import db
from .models import Ticket, TicketEvent, User, Window
from .tickets import ticket_view, waiting_counts


def current_ticket(window: Window) -> Ticket | None:
    """Return the ticket called or being served at the window, the latest first."""
    return db.session.scalars(
        select(Ticket)
        .where(Ticket.window_id == window.id, Ticket.state.in_(("called", "serving")))
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(1)
    ).first()


def clerk_figures(clerk: User) -> dict:
    """Count what the clerk did today: served, no-shows, average wait and service time of their tickets."""
    day_start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)

    def tickets_by(trigger: str):
        return (
            select(TicketEvent.ticket_id)
            .where(TicketEvent.actor_id == clerk.id, TicketEvent.trigger == trigger, TicketEvent.at >= day_start)
            .scalar_subquery()
        )

    served = db.session.execute(
        select(Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.finished_at)
        .where(Ticket.id.in_(tickets_by("finish")))
    ).all()
    no_show = db.session.scalar(
        select(func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.actor_id == clerk.id, TicketEvent.trigger == "no_show", TicketEvent.at >= day_start)
    )
    waits = [(called - issued).total_seconds() for issued, called, _, _ in served if called]
    services = [(finished - started).total_seconds() for _, _, started, finished in served if started and finished]
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
    ticket = current_ticket(window)
    return {
        "window": window_view(window),
        "current": ticket_view(ticket) if ticket else None,
        "queues": [{"code": q.code, "name": q.name, "waiting": counts.get(q.id, 0)} for q in window.queues],
        "transfer_queues": [{"code": q.code, "name": q.name} for q in window.hall.queues],
        "today": clerk_figures(clerk),
    }
