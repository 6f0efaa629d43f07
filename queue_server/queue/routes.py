"""Taking tickets and moving them through the ticket machine.

Window clerks: call the next ticket, open, pause and close the window.

Halls, their queues and windows, and the display board snapshot.
"""

from flask import Blueprint
from sqlalchemy.orm import joinedload

from queue_server.accounts.auth import acting_user
from queue_server.accounts.policy import require
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply
from queue_server.citizen.appointments import check_in
from queue_server.extensions import db
from queue_server.queue import tree
from queue_server.queue.answers import (
    BoardOut,
    DeskOut,
    HallOut,
    IssuedTicketOut,
    QueueOut,
    TicketHistoryEntry,
    TicketOut,
    WindowOut,
)
from queue_server.queue.board import hall_board
from queue_server.queue.calling import call_next
from queue_server.queue.desk import clerk_desk
from queue_server.queue.halls import get_hall, get_window
from queue_server.queue.models import Hall
from queue_server.queue.schemas import (
    CallNextRequest,
    HallListQuery,
    TicketNumberQuery,
    TicketRequest,
    TransferRequest,
    WindowStatusRequest,
)
from queue_server.queue.serving import fire_clerk_trigger
from queue_server.queue.tallies import waiting_lines
from queue_server.queue.tickets import (
    issue_ticket,
    set_window_status,
    ticket_by_id,
    ticket_by_number,
    ticket_history,
)
from queue_server.validation import parse_body, parse_query

bp = Blueprint("queue", __name__)


@bp.post("/halls/<hall_code>/tickets")
@operation(body=TicketRequest, limit="RATELIMIT_TICKETS", answers={201: IssuedTicketOut, 404: Error})
def take_ticket(hall_code: str):
    """取号；或凭预约码（appointment_code）签到取优先号 Take a ticket, or check a booking in"""
    hall = get_hall(hall_code, with_hours=True)
    req = parse_body(TicketRequest)
    if req.appointment_code:
        ticket = check_in(hall, req.appointment_code, req.service)
    else:
        ticket = issue_ticket(hall, req)
    # The answer is built after the commit: the queue's number counter stays locked until then, so the
    # place in line and the estimate are counted afterwards (no write lock is held while they are).
    return reply(IssuedTicketOut, ticket, 201)


@bp.get("/tickets/<int:ticket_id>")
@operation(limit="RATELIMIT_PUBLIC", answers={200: TicketOut, 404: Error})
def get_ticket(ticket_id: int):
    """号票状态 Ticket"""
    return reply(TicketOut, ticket_by_id(ticket_id))


@bp.get("/tickets/<int:ticket_id>/history")
@operation(staff=True, answers={200: list[TicketHistoryEntry], 403: Error, 404: Error})
def get_ticket_history(ticket_id: int):
    """号票流转记录 Ticket history"""
    ticket = ticket_by_id(ticket_id)
    require(acting_user(), "ticket.history", hall_id=ticket.hall_id)
    return reply(list[TicketHistoryEntry], ticket_history(ticket))


@bp.post("/tickets/<int:ticket_id>/<trigger>")
@operation(
    staff=True, body=TransferRequest, body_required=False, answers={200: TicketOut, 403: Error, 404: Error}
)
def trigger_ticket(ticket_id: int, trigger: str):
    """号票操作（recall/start/finish/no_show/requeue/transfer/cancel） Ticket trigger"""
    target = parse_body(TransferRequest).queue if trigger == "transfer" else None
    return reply(TicketOut, fire_clerk_trigger(ticket_id, trigger, acting_user(), target_queue_code=target))


@bp.get("/halls/<hall_code>/tickets")
@operation(
    "按号码查本大厅今日号票（自助终端评价用） Today's ticket by its number",
    query=TicketNumberQuery,
    limit="RATELIMIT_PUBLIC",
    answers={200: TicketOut, 404: Error},
)
def find_ticket_by_number(hall_code: str):
    """Answer today's ticket of the hall with the number printed on it (A012), or 404."""
    return reply(TicketOut, ticket_by_number(get_hall(hall_code), parse_query(TicketNumberQuery).number))


@bp.post("/windows/<int:window_id>/call-next")
@operation(
    staff=True,
    body=CallNextRequest,
    body_required=False,
    answers={200: TicketOut, 204: None, 403: Error, 404: Error},
)
def call_next_ticket(window_id: int):
    """叫下一号（可先办结或过号本窗口的当前号） Call next"""
    ticket = call_next(window_id, acting_user(), release=parse_body(CallNextRequest).release)
    if ticket is None:
        return "", 204
    return reply(TicketOut, ticket)


@bp.post("/windows/<int:window_id>/status")
@operation(staff=True, body=WindowStatusRequest, answers={200: WindowOut, 403: Error, 404: Error})
def change_window_status(window_id: int):
    """开窗、暂停、关窗 Open, pause or close a window"""
    window = get_window(window_id)
    req = parse_body(WindowStatusRequest)
    return reply(WindowOut, set_window_status(window, req.status, acting_user()))


@bp.get("/windows/<int:window_id>/desk")
@operation(staff=True, answers={200: DeskOut, 403: Error, 404: Error})
def window_desk(window_id: int):
    """窗口工作台：当前号票、队列、本人今日数据 The clerk's desk"""
    return reply(DeskOut, clerk_desk(get_window(window_id), acting_user()))


@bp.get("/halls")
@operation(query=HallListQuery, limit="RATELIMIT_PUBLIC", answers={200: list[HallOut]})
def list_halls():
    """服务大厅列表（区、社区、小区站三级），或某大厅的下级大厅 Halls, or a hall's children"""
    query = parse_query(HallListQuery)
    stmt = db.select(Hall).options(joinedload(Hall.parent))
    if query.parent is not None:
        stmt = stmt.where(Hall.parent_id == get_hall(query.parent).id)
    return reply(list[HallOut], tree.ordered(db.session.scalars(stmt).all()))


@bp.get("/halls/<hall_code>/queues")
@operation(limit="RATELIMIT_PUBLIC", answers={200: list[QueueOut], 404: Error})
def list_queues(hall_code: str):
    """队列及等候人数 Queues with waiting counts"""
    return reply(list[QueueOut], waiting_lines(get_hall(hall_code).queues))


@bp.get("/halls/<hall_code>/windows")
@operation(staff=True, answers={200: list[WindowOut], 403: Error, 404: Error})
def list_windows(hall_code: str):
    """窗口列表 Windows"""
    hall = get_hall(hall_code)
    require(acting_user(), "hall.staff", hall_id=hall.id)
    return reply(list[WindowOut], hall.windows)


@bp.get("/halls/<hall_code>/board")
@operation(limit="RATELIMIT_PUBLIC", answers={200: BoardOut, 404: Error})
def board(hall_code: str):
    """叫号屏快照 Board snapshot"""
    return reply(BoardOut, hall_board(get_hall(hall_code)))
