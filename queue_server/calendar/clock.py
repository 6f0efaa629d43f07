"""The hall's clock: one place to read the time, so tests can move it."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

_frozen: datetime | None = None


def hall_tz() -> ZoneInfo:
    """Return the hall time zone (TZ_NAME)."""
    return ZoneInfo(current_app.config["TZ_NAME"])


def now() -> datetime:
    """Return the current time, aware, in the hall time zone."""
    current = _frozen or datetime.now(UTC)
    return current.astimezone(hall_tz())


def today() -> date:
    """Return the hall's current date."""
    return now().date()


def freeze(at: datetime | None) -> None:
    """Pin the clock to an aware datetime (tests and the demo); None lets it run again."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at


def frozen_at() -> datetime | None:
    """Return the time the clock is pinned to, if it is."""
    return _frozen


def to_hall_iso(value: datetime | None) -> str | None:
    """Format an aware datetime as ISO 8601 with the hall's offset."""
    return None if value is None else value.astimezone(hall_tz()).isoformat(timespec="seconds")
