"""Taking tickets and moving them through the ticket machine.

Window clerks: call the next ticket, open, pause and close the window.

Halls, their queues and windows, and the display board snapshot.
"""

from flask import Blueprint, current_app

from queue_server.accounts.auth import acting_user, staff_required
from queue_server.accounts.policy import require
from queue_server.citizen.appointments import check_in
from queue_server.errors import NotFound
from queue_server.extensions import db, limiter
from queue_server.queue.board import board_snapshot
from queue_server.queue.calling import call_next
from queue_server.queue.desk import desk_view
from queue_server.queue.halls import get_hall, get_window, window_view
from queue_server.queue.models import Hall, Ticket
from queue_server.queue.tickets import (
    fire_ticket_trigger,
    issue_ticket,
    queue_views,
    set_window_status,
    ticket_by_number,
    ticket_history,
    ticket_view,
)
from queue_server.schemas import (
    TicketNumberQuery,
    TicketRequest,
    TransferRequest,
    WindowStatusRequest,
    parse_body,
    parse_query,
)

bp = Blueprint("queue", __name__)


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


@bp.post("/windows/<int:window_id>/call-next")
@staff_required()
def call_next_ticket(window_id: int):
    ticket = call_next(window_id, acting_user())
    if ticket is None:
        db.session.commit()
        return "", 204
    answer = ticket_view(ticket)
    db.session.commit()
    return answer


@bp.post("/windows/<int:window_id>/status")
@staff_required()
def change_window_status(window_id: int):
    window = get_window(window_id)
    req = parse_body(WindowStatusRequest)
    set_window_status(window, req.status, acting_user())
    answer = window_view(window)
    db.session.commit()
    return answer


@bp.get("/windows/<int:window_id>/desk")
@staff_required()
def window_desk(window_id: int):
    return desk_view(get_window(window_id), acting_user())


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


@bp.get("/halls")
@limiter.limit(_public_limit)
def list_halls():
    halls = db.session.scalars(db.select(Hall).order_by(Hall.code))
    return [{"code": hall.code, "name": hall.name, "address": hall.address} for hall in halls]


@bp.get("/halls/<hall_code>/queues")
@limiter.limit(_public_limit)
def list_queues(hall_code: str):
    return queue_views(get_hall(hall_code))


@bp.get("/halls/<hall_code>/windows")
@staff_required()
def list_windows(hall_code: str):
    hall = get_hall(hall_code)
    require(acting_user(), "hall.staff", hall_id=hall.id)
    return [window_view(window) for window in hall.windows]


@bp.get("/halls/<hall_code>/board")
@limiter.limit(_public_limit)
def board(hall_code: str):
    return board_snapshot(get_hall(hall_code))
