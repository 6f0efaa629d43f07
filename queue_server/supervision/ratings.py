"""好差评: citizens rate finished tickets and delivered cases; a bad rating opens a rectification item.

Operations flush but never commit. Rating is public (no acting user); the rectification steps
(assign, follow up, close) are a supervisor's, through the machine in ``workflows.rectification``.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.accounts.capabilities import is_ticket_rating_token
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case, CaseEvent
from queue_server.errors import Conflict, Forbidden, InvalidRequest, InvalidTransition, NotFound
from queue_server.extensions import db
from queue_server.queue.halls import get_hall
from queue_server.queue.models import Ticket, TicketEvent
from queue_server.supervision.models import BAD_GRADES, Rating, Rectification, RectificationEvent
from queue_server.supervision.schemas import (
    AssignRequest,
    CloseRequest,
    FollowUpRequest,
    RatingRequest,
    RectificationListQuery,
)
from workflows import rectification as rect_flow

GRADE_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
CHANNEL_NAMES = {
    "evaluator": "窗口评价器",
    "kiosk": "自助终端",
    "status_page": "号票页面",
    "portal": "网上办事大厅",
}
RATABLE_CASE_STATES = ("delivered", "closed")


# --- rating ---


def rate(req: RatingRequest) -> Rating:
    """Record a citizen's grade of a finished ticket or a delivered case; once each (409 otherwise)."""
    at = clock.now()
    rating = _rating_of_ticket(req, at) if req.ticket_id is not None else _rating_of_case(req, at)
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError:  # rated at the same instant from two places: the other one won
        raise Conflict("已经评价过了，感谢您的反馈", {"rated": True}) from None
    if rating.grade in BAD_GRADES:
        _open_rectification(rating, at)
    outbox.record("rating_added", rating)  # a live notice to the hall's supervisors
    return rating


def _comment(req: RatingRequest) -> str | None:
    """Head the comment with the reason chosen for a bad grade (【等候时间长】…), as the screens show it."""
    comment = req.comment or ""
    if req.reason and not comment.startswith(f"【{req.reason}】"):
        comment = f"【{req.reason}】{comment}"
    return comment[:500] or None  # the column's length (a 500-character comment and its reason)


def _rating_of_ticket(req: RatingRequest, at: datetime) -> Rating:
    ticket = db.session.get(Ticket, req.ticket_id)
    if ticket is None:
        raise InvalidRequest({"ticket_id": f"号票不存在：{req.ticket_id}"})
    # Only the ticket's holder (its rating_token) rates it, or the evaluator at the window that served
    # it, which may rate only the ticket that window finished last (checked below).
    if req.window_id is None and not is_ticket_rating_token(ticket.id, req.token):
        raise Forbidden(
            "请扫描号票上的二维码评价（凭号票号码不能评价）",
            {"token": "missing" if not req.token else "wrong"},
        )
    if ticket.state != "done":
        raise Conflict("号票尚未办结，办结后才能评价", {"state": ticket.state})
    if req.window_id is not None and last_finished_at(req.window_id) != ticket.id:
        raise Conflict("只能评价本窗口刚办结的业务", {"window_id": req.window_id})
    if db.session.scalar(select(Rating.id).where(Rating.ticket_id == ticket.id)) is not None:
        raise Conflict("该号票已经评价过了，感谢您的反馈", {"rated": True})
    finisher = db.session.scalar(
        select(TicketEvent.actor_id)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.trigger == "finish")
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    return Rating(
        hall_id=ticket.hall_id,
        ticket_id=ticket.id,
        grade=req.grade,
        comment=_comment(req),
        channel=req.channel or ("evaluator" if req.window_id else "status_page"),
        window_id=ticket.window_id,
        clerk_id=finisher,
        created_at=at,
    )


def _rating_of_case(req: RatingRequest, at: datetime) -> Rating:
    case = db.session.scalar(select(Case).where(Case.case_no == req.case_no.upper()))
    if case is None:
        raise InvalidRequest({"case_no": f"办件不存在：{req.case_no}"})
    if not req.phone or req.phone != case.applicant_phone:
        raise Forbidden(
            "请填写办件登记时的手机号码后再评价", {"phone": "missing" if not req.phone else "wrong"}
        )
    if case.state not in RATABLE_CASE_STATES:
        raise Conflict("办件尚未办结送达，送达后才能评价", {"state": case.state})
    if db.session.scalar(select(Rating.id).where(Rating.case_id == case.id)) is not None:
        raise Conflict("该办件已经评价过了，感谢您的反馈", {"rated": True})
    # A case is rated as the service of the hall that took it in, and of the clerk who handed the result
    # over (the last the applicant met), or its intake clerk when it was mailed or handed over by nobody.
    return Rating(
        hall_id=case.hall_id,
        case_id=case.id,
        grade=req.grade,
        comment=_comment(req),
        channel=req.channel or "portal",
        window_id=None,
        clerk_id=_handed_over_by(case) or case.created_by_id,
        created_at=at,
    )


def _handed_over_by(case: Case) -> int | None:
    return db.session.scalar(
        select(CaseEvent.actor_id)
        .where(CaseEvent.case_id == case.id, CaseEvent.trigger == "deliver", CaseEvent.actor_id.is_not(None))
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


def last_finished_at(window_id: int) -> int | None:
    """Return the id of the ticket the window finished last today, or None."""
    return db.session.scalar(
        select(Ticket.id)
        .where(Ticket.window_id == window_id, Ticket.state == "done", Ticket.service_date == clock.today())
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
        .limit(1)
    )


def _open_rectification(rating: Rating, at: datetime) -> Rectification:
    workdays = current_app.config["RECTIFICATION_WORKDAYS"]
    deadline, _ = hall_calendar().add_working_days(at.date(), workdays)  # `at` is hall time
    item = Rectification(rating=rating, state="open", deadline=deadline, created_at=at)
    db.session.add(item)
    db.session.flush()
    _record(item, "open", None, None, at, rating.comment)
    return item


# --- rectification ---


def get_rectification(item_id: int, for_update: bool = False) -> Rectification:
    """Return the rectification item, or answer 404."""
    stmt = select(Rectification).where(Rectification.id == item_id)
    item = db.session.scalar(stmt.with_for_update() if for_update else stmt)
    if item is None:
        raise NotFound(f"整改事项不存在：{item_id}", {"rectification": item_id})
    return item


def assign(item: Rectification, req: AssignRequest, actor: User) -> Rectification:
    """Hand the item to a member of staff who is to put it right (again: to someone else)."""
    policy.require(actor, "hall.supervise", hall_id=item.rating.hall_id)
    _check_allowed(item, "assign")
    assignee = db.session.scalar(select(User).where(User.username == req.assignee, User.active.is_(True)))
    if assignee is None or (assignee.hall_id is not None and assignee.hall_id != item.rating.hall_id):
        raise InvalidRequest({"assignee": f"不是本大厅的工作人员：{req.assignee}"})
    return _fire(item, "assign", actor, req.note, assignee=assignee)


def follow_up(item: Rectification, req: FollowUpRequest, actor: User) -> Rectification:
    """Add a follow-up note (督办记录) to an item still open."""
    policy.require(actor, "hall.supervise", hall_id=item.rating.hall_id)
    _check_allowed(item, "follow_up")
    return _fire(item, "follow_up", actor, req.note)


def close(item: Rectification, req: CloseRequest, actor: User) -> Rectification:
    """Close an assigned item with what was done (整改措施)."""
    policy.require(actor, "hall.supervise", hall_id=item.rating.hall_id)
    _check_allowed(item, "close")
    return _fire(item, "close", actor, req.action, action=req.action)


def _check_allowed(item: Rectification, trigger: str) -> None:
    allowed = rect_flow.allowed_triggers(item.state)
    if trigger not in allowed:
        message = "整改事项已办结" if item.state == "closed" else "请先分派整改责任人"
        raise InvalidTransition(item.state, trigger, allowed, message)


def _fire(item: Rectification, trigger: str, actor: User, note: str | None, **kwargs) -> Rectification:
    at = clock.now()
    before = rect_flow.fire(item, trigger, at=at, **kwargs)
    _record(item, trigger, before, actor, at, note)
    db.session.flush()
    return item


def _record(
    item: Rectification, trigger: str, before: str | None, actor: User | None, at: datetime, note: str | None
) -> None:
    # Kept in the item's history as well, so the answer built from the item shows this step.
    item.events.append(RectificationEvent.of(item, trigger, before, actor, at, note))


@dataclass(frozen=True)
class RectificationPage:
    """One page of rectification items, and how many there are before paging."""

    items: list[Rectification]
    total: int


def list_rectifications(query: RectificationListQuery, viewer: User) -> RectificationPage:
    """List a hall's rectification items, open ones first by deadline, with the total before paging."""
    hall_code = query.hall or (viewer.hall.code if viewer.hall else None)
    stmt = select(Rectification).join(Rectification.rating)
    hall = get_hall(hall_code) if hall_code is not None else None
    # No hall named and none of the user's own: every hall's items, for administrators only.
    policy.require(viewer, "hall.supervise", hall_id=hall.id if hall else None)
    if hall is not None:
        stmt = stmt.where(Rating.hall_id == hall.id)
    if query.state:
        stmt = stmt.where(Rectification.state == query.state)
    if query.overdue is not None:
        late = Rectification.deadline < clock.today()
        stmt = stmt.where(Rectification.state != "closed", late) if query.overdue else stmt.where(~late)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    stmt = stmt.order_by((Rectification.state == "closed"), Rectification.deadline, Rectification.id)
    items = db.session.scalars(stmt.limit(query.limit).offset(query.offset)).all()
    return RectificationPage(items, total)
