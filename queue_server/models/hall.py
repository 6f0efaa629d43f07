"""Halls, the departments behind them, their queues and their windows."""

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.extensions import db

WINDOW_STATUSES = ("open", "paused", "closed")

window_queues = Table(
    "window_queues",
    db.metadata,
    Column("window_id", ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True),
    Column("queue_id", ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True),
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

    queues: Mapped[list["Queue"]] = relationship(back_populates="hall", order_by="Queue.prefix")
    windows: Mapped[list["Window"]] = relationship(back_populates="hall", order_by="Window.number")


class Department(db.Model):
    """A department whose approvers decide the cases of its items (后台分类审批)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))


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

    hall: Mapped[Hall] = relationship(back_populates="queues")
    windows: Mapped[list["Window"]] = relationship(
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

    hall: Mapped[Hall] = relationship(back_populates="windows")
    queues: Mapped[list[Queue]] = relationship(
        secondary=window_queues, back_populates="windows", order_by="Queue.prefix"
    )
    clerk: Mapped["User | None"] = relationship()  # noqa: F821
