"""Time-limit alerts (限时办结预警): one row per change of a running case's light."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.db import UTCDateTime
from queue_server.extensions import db
from queue_server.models.case import Case


class CaseAlert(db.Model):
    """A case's light changed (to yellow or red: an alert; back to green: recorded, not raised).

    ``seq`` numbers a case's changes 1, 2, 3 …; the unique (case_id, seq) lets only one scheduler
    record a change, however many sweep at once (see queue_server/scheduler.py).
    """

    __tablename__ = "case_alerts"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_case_alerts_hall_raised", "hall_id", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    seq: Mapped[int]
    light: Mapped[str] = mapped_column(String(8))
    previous_light: Mapped[str | None] = mapped_column(String(8))
    deadline: Mapped[date | None]
    remaining_workdays: Mapped[int | None]
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
