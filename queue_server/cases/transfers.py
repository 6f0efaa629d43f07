"""Transfer slips (流转单): a case's paper file moving between halls (同城办, 异地代收代办).

A clerk of the hall holding the file sends it to another hall; a clerk of that hall marks it received.
The file is at the accepting hall until a slip moves it; one slip at a time is on the road. The
supervisor sees slips not received within ``TRANSFER_OVERDUE_WORKDAYS`` working days (default 2).
Operations flush, never commit.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.workcalendar import WorkCalendar
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.intake import hall_in_body
from queue_server.cases.models import Case, CaseTransfer
from queue_server.errors import Conflict, InvalidRequest, NotFound
from queue_server.extensions import db
from queue_server.queue import tree
from queue_server.queue.models import Hall

DEFAULT_OVERDUE_WORKDAYS = 2


def slips_of(case: Case) -> list[CaseTransfer]:
    """Return the case's transfer slips, oldest first."""
    stmt = select(CaseTransfer).where(CaseTransfer.case_id == case.id).order_by(CaseTransfer.id)
    return list(db.session.scalars(stmt))


def file_hall_id(case: Case, slips: list[CaseTransfer]) -> int:
    """Return the hall holding the case's paper file: the last received slip's, else the accepting hall."""
    received = [slip for slip in slips if slip.received_at is not None]
    return received[-1].to_hall_id if received else case.hall_id


def send_file(case: Case, to_code: str, actor: User) -> CaseTransfer:
    """Send the case's paper file from the hall holding it to another hall (a new slip, sent)."""
    slips = slips_of(case)
    if any(slip.received_at is None for slip in slips):
        raise Conflict("该办件的案卷正在流转途中，请待对方签收后再发出")
    from_id = file_hall_id(case, slips)
    policy.require(actor, "case.transfer", hall_id=from_id)
    to_hall = hall_in_body(to_code, "to")
    if to_hall.id == from_id:
        raise InvalidRequest({"to": "案卷已在该服务大厅"})
    slip = CaseTransfer(
        case=case,
        from_hall_id=from_id,
        to_hall=to_hall,
        sent_at=clock.now(),
        sent_by=actor.record(),
    )
    db.session.add(slip)
    db.session.flush()
    outbox.record("case_changed", case)
    outbox.record("transfer_changed", slip)
    return slip


def receive_file(slip_id: int, actor: User) -> CaseTransfer:
    """Mark a slip received by a clerk of the hall it was sent to."""
    slip = db.session.get(CaseTransfer, slip_id, with_for_update=True)
    if slip is None:
        policy.require(actor, "case.transfer", hall_id=actor.hall_id)  # a clerk's question, else 403
        raise NotFound("流转单不存在")
    policy.require(actor, "case.transfer", hall_id=slip.to_hall_id)
    if slip.received_at is not None:
        raise Conflict("该流转单已签收")
    slip.received_at = clock.now()
    slip.received_by = actor.record()
    db.session.flush()
    outbox.record("case_changed", slip.case)
    outbox.record("transfer_changed", slip)
    return slip


def hall_slips(hall_id: int, open_only: bool = True) -> list[CaseTransfer]:
    """Return the slips sent from or to a hall, newest first (only those on the road by default)."""
    stmt = (
        select(CaseTransfer)
        .options(joinedload(CaseTransfer.case).joinedload(Case.service))
        .where((CaseTransfer.from_hall_id == hall_id) | (CaseTransfer.to_hall_id == hall_id))
        .order_by(CaseTransfer.id.desc())
        .limit(200)
    )
    if open_only:
        stmt = stmt.where(CaseTransfer.received_at.is_(None))
    return list(db.session.scalars(stmt).unique())


def overdue_workdays() -> int:
    """Return how many working days a file may be on the road before the supervisor is told."""
    return int(current_app.config.get("TRANSFER_OVERDUE_WORKDAYS", DEFAULT_OVERDUE_WORKDAYS))


def road_workdays(slip: CaseTransfer, calendar: WorkCalendar, at: datetime) -> int:
    """Return the working days a slip has been on the road: after the day it was sent, up to ``at``."""
    sent_on = slip.sent_at.astimezone(clock.hall_tz()).date()
    return calendar.working_days_between(sent_on, at.astimezone(clock.hall_tz()).date())


def is_overdue(slip: CaseTransfer, calendar: WorkCalendar, at: datetime) -> bool:
    """Tell whether a slip still on the road has been so longer than the allowed working days."""
    if slip.received_at is not None:
        return False
    return road_workdays(slip, calendar, at) > overdue_workdays()


def overdue_slips(hall_ids: list[int], at: datetime | None = None) -> list[CaseTransfer]:
    """Return the slips on the road too long that were sent from or to any of the halls."""
    at = at or clock.now()
    stmt = (
        select(CaseTransfer)
        .where(
            CaseTransfer.received_at.is_(None),
            CaseTransfer.from_hall_id.in_(hall_ids) | CaseTransfer.to_hall_id.in_(hall_ids),
        )
        .order_by(CaseTransfer.sent_at)
    )
    slips = list(db.session.scalars(stmt))
    if not slips:
        return []
    calendar = hall_calendar()
    return [slip for slip in slips if is_overdue(slip, calendar, at)]


@dataclass(frozen=True)
class OverdueReport:
    """The slips on the road too long that a supervisor watches, and the halls they were looked for in."""

    halls: list[str]
    allowed_workdays: int
    items: list[CaseTransfer]


def watched_overdue_slips(hall: Hall, include_children: bool, actor: User) -> OverdueReport:
    """Return the slips on the road too long for a supervisor of the hall (and of its branch when asked)."""
    policy.require(actor, "hall.supervise", hall_id=hall.id)
    hall_ids = tree.subtree_ids(hall.id) if include_children else [hall.id]
    codes = dict(db.session.execute(select(Hall.id, Hall.code).where(Hall.id.in_(hall_ids))).all())
    return OverdueReport(
        halls=[codes[hall_id] for hall_id in hall_ids],
        allowed_workdays=overdue_workdays(),
        items=overdue_slips(hall_ids),
    )
