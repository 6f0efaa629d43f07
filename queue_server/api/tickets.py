"""Taking tickets and moving them through the ticket machine."""

from flask import current_app

from queue_server.appointments import check_in
from queue_server.auth import acting_user, staff_required
from queue_server.errors import NotFound
from queue_server.extensions import db, limiter
from queue_server.halls import get_hall
from queue_server.models import Ticket
from queue_server.policy import require
from queue_server.schemas import TicketNumberQuery, TicketRequest, TransferRequest, parse_body, parse_query
from queue_server.tickets import fire_ticket_trigger, issue_ticket, ticket_by_number, ticket_history, ticket_view
from queue_server.api import bp


def _get_ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"号票不存在：{ticket_id}", {"ticket": ticket_id})
    return ticket


@bp.post("/halls/<hall_code>/tickets")
@limiter.limit(lambda: current_app.config["RATELIMIT_TICKETS"])
def take_ticket(hall_code: str):
    hall = get_hall(hall_code)
    req = parse_body(TicketRequest)
    ticket = check_in(hall, req.appointment_code, req.service) if req.appointment_code else issue_ticket(hall, req)
    # Commit first: the queue's number counter stays locked until the commit, so the place in line
    # and the estimate are counted afterwards (no write lock is held while they are).
    db.session.commit()
    return ticket_view(ticket), 201


@bp.get("/tickets/<int:ticket_id>")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def get_ticket(ticket_id: int):
    return ticket_view(_get_ticket(ticket_id))


@bp.get("/tickets/<int:ticket_id>/history")
@staff_required()
def get_ticket_history(ticket_id: int):
    ticket = _get_ticket(ticket_id)
    require(acting_user(), "ticket.history", hall_id=ticket.hall_id)
    return ticket_history(ticket)


@bp.post("/tickets/<int:ticket_id>/<trigger>")
@staff_required()
def trigger_ticket(ticket_id: int, trigger: str):
    ticket = _get_ticket(ticket_id)
    target = parse_body(TransferRequest).queue if trigger == "transfer" else None
    fire_ticket_trigger(ticket, trigger, acting_user(), target_queue_code=target)
    answer = ticket_view(ticket)
    db.session.commit()
    return answer


@bp.get("/halls/<hall_code>/tickets")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def find_ticket_by_number(hall_code: str):
    """Answer today's ticket of the hall with the number printed on it (A012), or 404."""
    return ticket_view(ticket_by_number(get_hall(hall_code), parse_query(TicketNumberQuery).number))
