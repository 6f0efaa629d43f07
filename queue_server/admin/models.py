"""A hall's ticket-issuing hours, one row per weekday.

A hall with no rows issues tickets around the clock (the demo hall, every test hall). Once its
hours are set it has seven rows, Monday (1) to Sunday (7); a weekday it is closed has no times.
Times are hall time ``HH:MM`` (``24:00`` is the end of the day), so they compare as text.
"""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.extensions import db


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
