"""Tickets (号票), their append-only history and the daily number counters."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.db import UTCDateTime
from queue_server.extensions import db
from queue_server.models.hall import Hall, Queue, Window
from queue_server.models.service import ServiceItem
from queue_server.models.user import User

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
        Index("ix_tickets_held", "window_id",
              postgresql_where=text(HELD_WHERE), sqlite_where=text(HELD_WHERE)),
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


class TicketEvent(db.Model):
    """One state change of a ticket: who, when, from, to and why. Rows are only ever added."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(200))

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
