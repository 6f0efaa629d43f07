"""代理办 and 上门办理: what a citizen asked of a hall's agents, and the visit the agent booked."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from queue_server.db import UTCDateTime
from queue_server.extensions import db

if TYPE_CHECKING:
    from queue_server.accounts.models import User
    from queue_server.cases.models import Case

# Why a citizen asks for a home visit (上门办理).
VISIT_REASONS = {"elderly": "高龄", "disabled": "残疾", "ill": "患病", "other": "其他"}
# Where an agent asked for by the citizen was asked from.
CHANNELS = {"portal": "网上办事大厅", "booking": "预约页面", "kiosk": "自助服务终端"}


class AgentRequest(db.Model):
    """A citizen's request for an agent (代办) of a hall, or a home visit (上门办理); one per case."""

    __tablename__ = "agent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    address: Mapped[str | None] = mapped_column(String(200))
    home_visit: Mapped[bool] = mapped_column(default=False)
    # Codes of VISIT_REASONS; a home visit names at least one.
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(1000))
    channel: Mapped[str | None] = mapped_column(String(16))
    # The visit the agent booked (上门 date and time), and where.
    visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_address: Mapped[str | None] = mapped_column(String(200))
    visit_booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visit_booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(backref=backref("agent_request", uselist=False))
    visit_booked_by: Mapped[User | None] = relationship()
