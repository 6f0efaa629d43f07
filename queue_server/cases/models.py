"""Cases (办件): an application for one item, from intake to the hand-over of its result.

Uploaded materials of a case (网上办): the files an applicant sent with an online application.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.db import UTCDateTime, history_columns
from queue_server.extensions import db

if TYPE_CHECKING:  # the other domains' models, named in relationships by class name
    from queue_server.accounts.models import User
    from queue_server.citizen.models import ServiceItem
    from queue_server.queue.models import Department, Hall


class Case(db.Model):
    """One application (办件) moving through the case machine of its mode and version."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_department_state", "department_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    # The version of the item the case was created under: its limits and materials follow it.
    service_version: Mapped[int | None]
    mode: Mapped[str] = mapped_column(String(16))
    # The version of the machine the case started on; it keeps moving by that version.
    workflow_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(24), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    # 同城办: the district hall whose department decides the case.
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))

    applicant_name: Mapped[str] = mapped_column(String(50))
    applicant_id_number: Mapped[str] = mapped_column(String(18), index=True)
    applicant_phone: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # A child of a 主题式 bundle names its parent case.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)

    # Materials as received: [{name, original_seen, copies}]
    materials: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # 容缺: secondary materials still to come: [{name, due, received_at}]
    deficiencies: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # The last one complete notice (一次性告知): what is missing.
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The state a supplement returns the case to.
    supplement_return: Mapped[str | None] = mapped_column(String(24))

    delivery_method: Mapped[str] = mapped_column(String(8))
    delivery_hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    delivery_address: Mapped[str | None] = mapped_column(String(200))
    waybill_no: Mapped[str | None] = mapped_column(String(40))

    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 马上办: accepted, decided and handed over in one sitting; no clock ran.
    completed_on_spot: Mapped[bool] = mapped_column(default=False)
    # In-person visits of the applicant (intake, supplements at the window, pickup).
    visits: Mapped[int] = mapped_column(default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service: Mapped[ServiceItem] = relationship()
    hall: Mapped[Hall] = relationship(foreign_keys=[hall_id])
    delivery_hall: Mapped[Hall] = relationship(foreign_keys=[delivery_hall_id])
    jurisdiction: Mapped[Hall] = relationship(foreign_keys=[jurisdiction_id])
    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    pauses: Mapped[list[CasePause]] = relationship(order_by="CasePause.id")
    parent: Mapped[Case | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Case]] = relationship(back_populates="parent", order_by="Case.id")
    handover: Mapped[CaseHandover | None] = relationship(uselist=False, back_populates="case")


class CasePause(db.Model):
    """A stretch during which the case's clock stands still (补正, §45 suspension)."""

    __tablename__ = "case_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # supplement, hearing, testing, inspection, appraisal, expert_review
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseEvent(history_columns(trigger=32, state=24), db.Model):
    """One state change of a case: who, when, from, to and why. Rows are only ever added."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    data: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


class CaseHandover(db.Model):
    """How a result was handed over (deliver): who collected it at the window, or signed for the mail."""

    __tablename__ = "case_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    # pickup: collected at the window; mail: signed for at the address
    method: Mapped[str] = mapped_column(String(8))
    # pickup: self (本人) or proxy (受托人); None for mail
    collector_kind: Mapped[str | None] = mapped_column(String(8))
    # The collector (pickup) or the one who signed the receipt (签收人, mail).
    collector_name: Mapped[str | None] = mapped_column(String(50))
    collector_id_number: Mapped[str | None] = mapped_column(String(18))
    # The clerk checked the collector's ID card (本人) / took the power of attorney (委托书, 受托人).
    id_checked: Mapped[bool] = mapped_column(default=False)
    proxy_letter: Mapped[bool] = mapped_column(default=False)
    waybill_no: Mapped[str | None] = mapped_column(String(40))
    # When the collector took the result (pickup) or signed for the mail (签收时间).
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The collector's signature drawn on screen (PNG); None: signed on the printed 送达回证.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="handover")
    clerk: Mapped[User | None] = relationship()


class CaseCounter(db.Model):
    """The last case number a hall gave out on a day; incremented atomically by an upsert."""

    __tablename__ = "case_counters"

    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class CaseFile(db.Model):
    """One uploaded file of a case's material, stored outside the web root under a random name."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # The item's material it stands for, or a line of the supplement notice (一次性告知).
    material: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    # The file's name in UPLOAD_DIR (<case_no>/<random>.<ext>): never chosen by the applicant.
    stored_name: Mapped[str] = mapped_column(String(120), unique=True)
    # From the file's content (magic bytes), not from its name: application/pdf, image/jpeg, image/png.
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when the application or its supplement goes to pre-review; until then the applicant may remove it.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseTransfer(db.Model):
    """A transfer slip (流转单): one move of a case's paper file from one hall to another."""

    __tablename__ = "case_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    to_hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()
    from_hall: Mapped[Hall] = relationship(foreign_keys=[from_hall_id])
    to_hall: Mapped[Hall] = relationship(foreign_keys=[to_hall_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
