"""在线咨询: a citizen asks about an item or a bundle from its guide, a consultant answers by SMS.

A question names the published item it is about (404 for an item that is not public), the asker's
name and phone, and the question. A consultant (role ``consultant``) answers it once; the answer goes
to the asker's phone by SMS, and when the consultant marks it public it joins the item's 常见问题
(FAQ) on the guide page. The figures count questions by the day they were asked, the answers among
them and the time to answer (median and 95th percentile). Operations flush, never commit.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.citizen.items import get_service
from queue_server.citizen.models import Consultation
from queue_server.citizen.schemas import ConsultationAnswerRequest, ConsultationListQuery, ConsultationRequest
from queue_server.errors import Conflict, InvalidRequest, NotFound
from queue_server.extensions import db
from queue_server.notify import sms as notify

FAQ_LIMIT = 50


def ask(code: str, req: ConsultationRequest) -> Consultation:
    """Record a citizen's question about a published item (404 when it is not public)."""
    version = get_service(code)
    row = Consultation(
        service_id=version.service_id,
        name=req.name,
        phone=req.phone,
        question=req.question,
        created_at=clock.now(),
        public=False,
    )
    db.session.add(row)
    db.session.flush()
    outbox.record("consultation_changed", row)
    return row


def open_consultations(query: ConsultationListQuery, actor: User) -> tuple[list[Consultation], int]:
    """List questions for consultants: open ones oldest first, answered ones newest first."""
    policy.require(actor, "consultation.answer")
    stmt = select(Consultation).options(
        joinedload(Consultation.service), joinedload(Consultation.answered_by)
    )
    if query.state == "open":
        stmt = stmt.where(Consultation.answered_at.is_(None)).order_by(Consultation.id)
    else:
        stmt = stmt.where(Consultation.answered_at.is_not(None)).order_by(Consultation.answered_at.desc())
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return list(db.session.scalars(stmt.offset(query.offset).limit(query.limit)).unique()), total


def get_consultation(consultation_id: int, for_update: bool = False) -> Consultation:
    """Return the question with this id, or answer 404; lock its row when it is about to change."""
    stmt = select(Consultation).where(Consultation.id == consultation_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = db.session.scalar(stmt)
    if row is None:
        raise NotFound(f"咨询不存在：{consultation_id}", {"id": consultation_id})
    return row


def answer(row: Consultation, req: ConsultationAnswerRequest, actor: User) -> Consultation:
    """Answer a question once: the asker gets it by SMS; a public answer joins the item's FAQ."""
    policy.require(actor, "consultation.answer")
    if row.answered_at is not None:
        raise Conflict("该咨询已答复", {"answered_at": clock.to_hall_iso(row.answered_at)})
    row.answer = req.answer
    row.public = req.public
    row.answered_at = clock.now()
    row.answered_by_id = actor.id
    db.session.flush()
    notify.notify(
        row.phone,
        "consultation_answered",
        service_name=row.service.name,
        answer=req.answer,
    )
    outbox.record("consultation_changed", row)
    return row


def faq_of(code: str) -> list[Consultation]:
    """List the public answers about a published item, newest first (404 when it is not public)."""
    version = get_service(code)
    stmt = (
        select(Consultation)
        .where(
            Consultation.service_id == version.service_id,
            Consultation.public.is_(True),
            Consultation.answered_at.is_not(None),
        )
        .order_by(Consultation.answered_at.desc())
        .limit(FAQ_LIMIT)
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class ConsultationFigures:
    """Questions asked in a period, those answered, and the time to answer them."""

    start: date
    end: date
    questions: int
    answered: int
    open: int
    median_answer_s: float | None
    p95_answer_s: float | None


def consultation_figures(start: date | None, end: date | None, actor: User) -> ConsultationFigures:
    """Count the questions asked in the period (hall dates; default this month) and the time to answer."""
    policy.require(actor, "consultation.figures")
    end = end or clock.today()
    start = start or end.replace(day=1)
    if end < start:
        raise InvalidRequest({"to": "结束日期不能早于开始日期"})
    tz = clock.hall_tz()
    since = datetime.combine(start, time(), tz)
    until = datetime.combine(end + timedelta(days=1), time(), tz)
    rows = db.session.execute(
        select(Consultation.created_at, Consultation.answered_at).where(
            Consultation.created_at >= since, Consultation.created_at < until
        )
    ).all()
    waits = sorted((answered - asked).total_seconds() for asked, answered in rows if answered is not None)
    return ConsultationFigures(
        start,
        end,
        questions=len(rows),
        answered=len(waits),
        open=len(rows) - len(waits),
        median_answer_s=_percentile(waits, 0.5),
        p95_answer_s=_percentile(waits, 0.95),
    )


def _percentile(values: list[float], share: float) -> float | None:
    """Return the nearest-rank percentile of sorted values, or None when there are none."""
    if not values:
        return None
    if share == 0.5 and len(values) % 2 == 0:
        middle = len(values) // 2
        return (values[middle - 1] + values[middle]) / 2
    return values[max(0, math.ceil(share * len(values)) - 1)]
