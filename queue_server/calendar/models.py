"""The editable calendar override table that wins over the calendar libraries."""

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.extensions import db


class CalendarOverride(db.Model):
    """One day whose working status the hall sets by hand (e.g. a schedule not yet in the libraries)."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    working: Mapped[bool]
    name: Mapped[str | None] = mapped_column(String(50))


class CalendarYear(db.Model):
    """A year whose official holiday schedule has been loaded, so its days count as confirmed."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200), default="")
