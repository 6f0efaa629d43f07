"""The 五办 item list (政务服务事项) with each item's modes, limits, materials and guide.

Items are kept as drafts and published as numbered versions (``ServiceVersion``), each with its date
of effect; an item's own columns hold the content of the version in effect (or of its first draft).

Appointments (预约): bookable slots per hall, queue and day, and the citizens' bookings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from queue_server.db import UTCDateTime
from queue_server.extensions import db

if TYPE_CHECKING:  # the other domains' models, named in relationships by class name
    from queue_server.accounts.models import User
    from queue_server.queue.models import Department, Hall, Queue, Ticket

# The date of effect of the items' first versions (the demo's, and those the version list began with).
FIRST_EFFECTIVE = date(2020, 1, 1)

# The fields of an item's content as its columns hold them; a draft and a request say ``queue``.
CONTENT_COLUMNS = (
    "name",
    "department",
    "queue_code",
    "modes",
    "legal_days",
    "promised_days",
    "materials",
    "guide",
    "parts",
    "halls",
    "depends",
    "questions",
)
CONTENT_FIELDS = tuple("queue" if name == "queue_code" else name for name in CONTENT_COLUMNS)


class ServiceContent:
    """What an item says: name, department, queue, modes, limits, materials and guide."""

    name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    # Code of the comprehensive-window queue that takes it in, the same code in every hall.
    queue_code: Mapped[str] = mapped_column(String(32))
    modes: Mapped[list[str]] = mapped_column(JSON)
    legal_days: Mapped[int]
    promised_days: Mapped[int]
    # [{name, form: original|copy|original_and_copy, count, required, deferrable, note}]
    materials: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # 办事指南: conditions, basis, fee, visits, place, hours, result, delivery, notes
    guide: Mapped[dict] = mapped_column(JSON, default=dict)
    # 主题式服务 (一件事): the codes of the items it bundles; empty for a single item.
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 下放: the codes of the halls that accept it; null: every hall (a citywide item: every hall too).
    halls: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    # 一件事: the order between its parts, {part code: [part codes it waits for]}; null: none.
    depends: Mapped[dict[str, list[str]] | None] = mapped_column(JSON(none_as_null=True))
    # 一件事: the questionnaire deciding optional parts, [{id, text, choices: [{value, label, adds,
    # removes}]}]: a part some choice adds is needed only when so answered; null: none.
    questions: Mapped[list[dict] | None] = mapped_column(JSON(none_as_null=True))

    @declared_attr
    def department(cls) -> Mapped[Department]:
        return relationship("Department")

    def content(self) -> dict:
        """Return the content as a draft keeps it (department by code)."""
        return {
            "name": self.name,
            "department": self.department.code,
            "queue": self.queue_code,
            "modes": list(self.modes),
            "legal_days": self.legal_days,
            "promised_days": self.promised_days,
            "materials": [dict(m) for m in self.materials],
            "guide": dict(self.guide or {}),
            "parts": list(self.parts or []),
            "halls": list(self.halls) if self.halls is not None else None,
            "depends": {code: list(waits) for code, waits in (self.depends or {}).items()},
            "questions": [dict(q) for q in self.questions or []],
        }


class ServiceItem(ServiceContent, db.Model):
    """A permit or public service a hall handles, with the content of its version in effect."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # The number of the published version the columns hold; null: never published (not public).
    version: Mapped[int | None]
    # The draft (content with the department by code), null when nothing waits to be published.
    draft: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    draft_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceVersion(ServiceContent, db.Model):
    """A published version of an item: its content, from which day it applies, who published it."""

    __tablename__ = "service_versions"
    __table_args__ = (UniqueConstraint("service_id", "number", name="uq_service_versions_service_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    number: Mapped[int]
    effective: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[ServiceItem] = relationship()
    published_by: Mapped[User | None] = relationship()

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def version(self) -> int:
        return self.number


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
        Index(
            "uq_appointments_active_phone_queue_day",
            "phone",
            "queue_id",
            "day",
            unique=True,
            sqlite_where=text("state = 'booked'"),
            postgresql_where=text("state = 'booked'"),
        ),
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


class Consultation(db.Model):
    """A citizen's question (在线咨询) about an item or a bundle, and a consultant's answer to it."""

    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_service_public", "service_id", "public"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answer: Mapped[str | None] = mapped_column(String(1000))
    # Shown among the item's 常见问题 (FAQ) on its public guide page.
    public: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    service: Mapped[ServiceItem] = relationship()
    answered_by: Mapped[User | None] = relationship()
