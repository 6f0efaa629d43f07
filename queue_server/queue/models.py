"""Halls, the departments behind them, their queues and their windows; a hall's ticket-issuing hours.

Tickets (号票), their append-only history and the daily number counters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.db import UTCDateTime, history_columns
from queue_server.extensions import db

if TYPE_CHECKING:  # the other domains' models, named in relationships by class name
    from queue_server.accounts.models import User
    from queue_server.citizen.models import ServiceItem

WINDOW_STATUSES = ("open", "paused", "closed")

window_queues = Table(
    "window_queues",
    db.metadata,
    Column("window_id", ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True),
    Column("queue_id", ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True),
    # The window serves its queues in this order (queue_server/admin/halls.py sets it).
    Column("position", Integer, nullable=False, default=0, server_default="0"),
)


class Hall(db.Model):
    """A service hall (行政服务中心) or community service centre."""

    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    # 三级联动: district (行政服务中心), community (社区服务中心), station (小区政务服务站).
    level: Mapped[str] = mapped_column(String(16), default="district", server_default="district")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"))

    parent: Mapped[Hall | None] = relationship(remote_side=[id])
    # Ticket-issuing hours per weekday (none at all: tickets around the clock): queue_server/queue/hours.py.
    opening_hours: Mapped[list[HallHours]] = relationship(
        order_by="HallHours.weekday", cascade="all, delete-orphan"
    )
    # A queue deleted while old tickets name it is retired (kept for the records), never listed.
    queues: Mapped[list[Queue]] = relationship(
        back_populates="hall",
        order_by="Queue.prefix",
        primaryjoin="and_(Hall.id == Queue.hall_id, Queue.retired_at.is_(None))",
    )
    windows: Mapped[list[Window]] = relationship(back_populates="hall", order_by="Window.number")


class Department(db.Model):
    """A department whose approvers decide the cases of its items (后台分类审批)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Departments are per district (属地): the district hall it serves (null: any district without
    # its own) and its line (条线), which finds a district's counterpart of an item's department.
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"))
    line: Mapped[str | None] = mapped_column(String(32))


class Queue(db.Model):
    """A line of tickets for one category of comprehensive window, with its ticket prefix."""

    __tablename__ = "queues"
    __table_args__ = (
        UniqueConstraint("hall_id", "code"),
        UniqueConstraint("hall_id", "prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    prefix: Mapped[str] = mapped_column(String(4))
    description: Mapped[str] = mapped_column(String(200), default="")
    # Typical service time, used for waiting estimates until the day has figures of its own.
    avg_service_s: Mapped[int] = mapped_column(default=420)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hall: Mapped[Hall] = relationship(back_populates="queues")
    windows: Mapped[list[Window]] = relationship(
        secondary=window_queues, back_populates="queues", order_by="Window.number"
    )


class Window(db.Model):
    """A counter where a clerk calls tickets of one or more queues."""

    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10), default="closed")
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pickup: Mapped[bool] = mapped_column(default=False, server_default=false())  # 统一出件

    hall: Mapped[Hall] = relationship(back_populates="windows")
    queues: Mapped[list[Queue]] = relationship(
        secondary=window_queues,
        back_populates="windows",
        order_by=lambda: [window_queues.c.position, Queue.prefix],
    )
    clerk: Mapped[User | None] = relationship()  # noqa: F821


PRIORITY_LANE, NORMAL_LANE = 0, 1
# The states in which a ticket is at a window; a window holds at most one such ticket.
HELD_STATES = ("called", "serving")
HELD_WHERE = "state IN ('called', 'serving')"


class Ticket(db.Model):
    """A number taken at a kiosk, called at a window, served and finished."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("hall_id", "service_date", "number"),
        # The call-next scan and the waiting counts: a queue's waiting tickets of the day in calling order.
        Index("ix_tickets_call_order", "queue_id", "service_date", "state", "lane", "queued_at", "id"),
        # The tickets a window holds (called or being served): at most one, checked by call-next.
        Index(
            "ix_tickets_held", "window_id", postgresql_where=text(HELD_WHERE), sqlite_where=text(HELD_WHERE)
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    origin_queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    service_date: Mapped[date]
    number: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    # Calling order: lane 0 (绿色通道, priority) before lane 1 (normal), then the longest in line.
    lane: Mapped[int] = mapped_column(default=1)
    priority_reason: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Place in line: the issue time, kept on transfer; a requeue after a no-show moves it to now.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recalls: Mapped[int] = mapped_column(default=0)
    # When the scheduler sent the "your turn is near" SMS (queue_server/scheduler.py); a requeue sends again.
    near_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hall: Mapped[Hall] = relationship()
    queue: Mapped[Queue] = relationship(foreign_keys=[queue_id])
    window: Mapped[Window | None] = relationship()
    service: Mapped[ServiceItem | None] = relationship()

    @property
    def priority(self) -> str:
        return "priority" if self.lane == PRIORITY_LANE else "normal"


class TicketEvent(history_columns(trigger=20, state=16, note=String(200)), db.Model):
    """One state change of a ticket: who, when, from, to and why. Rows are only ever added."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))

    actor: Mapped[User | None] = relationship()


class TicketCounter(db.Model):
    """The last number handed out by a queue on a day; incremented atomically by an upsert."""

    __tablename__ = "ticket_counters"

    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True)
    service_date: Mapped[date] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class WaitingTally(db.Model):
    """A share of a queue's waiting count of a day, per lane: the count is the sum of its rows.

    Every change that moves a ticket into or out of ``waiting`` adds +1 or -1 here in its own
    transaction, so counting a line reads a few rows instead of the whole line. Calls add to the
    calling window's row (``slot`` = window id; call-next holds that window's row lock, so windows
    never wait on each other here); issue, requeue, transfer, cancel and expiry add to ``slot`` 0.
    """

    __tablename__ = "waiting_tallies"

    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True)
    service_date: Mapped[date] = mapped_column(primary_key=True)
    lane: Mapped[int] = mapped_column(primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True)
    waiting: Mapped[int] = mapped_column(default=0)


# A hall with no hours rows issues tickets around the clock (the demo hall, every test hall). Once
# its hours are set it has seven rows, Monday (1) to Sunday (7); a weekday it is closed has no times.
# Times are hall time ``HH:MM`` (``24:00`` is the end of the day), so they compare as text.
class HallHours(db.Model):
    """When a hall opens, stops issuing tickets (取号截止) and closes on one weekday."""

    __tablename__ = "hall_hours"

    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"), primary_key=True)
    weekday: Mapped[int] = mapped_column(primary_key=True)  # 1 Monday … 7 Sunday
    open: Mapped[str | None] = mapped_column(String(5))
    last_ticket: Mapped[str | None] = mapped_column(String(5))
    close: Mapped[str | None] = mapped_column(String(5))

    @property
    def is_open(self) -> bool:
        return self.open is not None

    def as_dict(self) -> dict | None:
        """Render the day as the API writes it: ``{open, last_ticket, close}``, or None when closed."""
        if not self.is_open:
            return None
        return {"open": self.open, "last_ticket": self.last_ticket, "close": self.close}
