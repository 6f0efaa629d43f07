"""Appointments (预约): bookable slots per hall, queue and day, and the citizens' bookings."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.db import UTCDateTime
from queue_server.extensions import db
from queue_server.models.hall import Hall, Queue
from queue_server.models.ticket import Ticket

APPOINTMENT_STATES = ("booked", "checked_in", "cancelled", "missed")


class AppointmentSlot(db.Model):
    """Half an hour (or so) of a queue on a working day, with its places and how many are taken."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        # One row per queue and start: creating a day's slots twice, or at once, adds nothing.
        UniqueConstraint("queue_id", "day", "starts_at", name="uq_appointment_slots_queue_day_start"),
        # A second guard behind the conditional UPDATE that books a place: never more than capacity.
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_appointment_slots_booked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    day: Mapped[date]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)

    hall: Mapped[Hall] = relationship()
    queue: Mapped[Queue] = relationship()


class Appointment(db.Model):
    """A booking of one place in a slot: booked, then checked in at the kiosk, cancelled or missed."""

    __tablename__ = "appointments"
    __table_args__ = (
        # One active booking per phone, queue and day, even when two requests come at once.
        Index("uq_appointments_active_phone_queue_day", "phone", "queue_id", "day", unique=True,
              sqlite_where=text("state = 'booked'"), postgresql_where=text("state = 'booked'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(16), default="booked")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    hall: Mapped[Hall] = relationship()
    queue: Mapped[Queue] = relationship()
    slot: Mapped[AppointmentSlot] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
