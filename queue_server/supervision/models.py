"""Time-limit alerts (限时办结预警): one row per change of a running case's light.

Ratings (好差评) of finished tickets and delivered cases, and the rectification of bad ones.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.db import UTCDateTime, history_columns
from queue_server.extensions import db

if TYPE_CHECKING:  # the other domains' models, named in relationships by class name
    from queue_server.accounts.models import User
    from queue_server.cases.models import Case
    from queue_server.queue.models import Hall, Ticket, Window


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


CHANNELS = ("evaluator", "kiosk", "status_page", "portal")
BAD_GRADES = (1, 2)


class Rating(db.Model):
    """A citizen's grade (1 非常不满意 … 5 非常满意) of one ticket or one case; one each."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_hall_created", "hall_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    grade: Mapped[int]
    comment: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(16))
    # Who was rated: the window and clerk that served the ticket (null for a case).
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    hall: Mapped[Hall] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    case: Mapped[Case | None] = relationship()
    window: Mapped[Window | None] = relationship()
    clerk: Mapped[User | None] = relationship()
    rectification: Mapped[Rectification | None] = relationship(back_populates="rating")


class Rectification(db.Model):
    """The follow-up of a bad rating (差评整改): assigned, followed up and closed by a deadline."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    # open, assigned, closed (workflows/rectification.py)
    state: Mapped[str] = mapped_column(String(16), index=True)
    deadline: Mapped[date]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What was done, written when it is closed.
    action: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rating: Mapped[Rating] = relationship(back_populates="rectification")
    assignee: Mapped[User | None] = relationship()
    events: Mapped[list[RectificationEvent]] = relationship(order_by="RectificationEvent.id")


class RectificationEvent(history_columns(trigger=16, state=16), db.Model):
    """One step of a rectification: who, when, from, to and the note. Rows are only ever added."""

    __tablename__ = "rectification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)

    actor: Mapped[User | None] = relationship()
